package io.raftkv.client;

/** How a transaction {@link Compare} relates the key's current state to its operand. */
public enum CompareOp {
    /** Current equals the operand. */
    EQUAL,
    /** Current differs from the operand. */
    NOT_EQUAL,
    /** Current is less than the operand. */
    LESS,
    /** Current is greater than the operand. */
    GREATER
}
