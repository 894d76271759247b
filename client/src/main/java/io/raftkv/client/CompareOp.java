package io.raftkv.client;

/** How a transaction {@link Compare} relates the key's current state to its operand. */
public enum CompareOp {
    EQUAL,
    NOT_EQUAL,
    LESS,
    GREATER
}
