package io.raftkv.cli;

import com.google.protobuf.ByteString;
import io.raftkv.client.CasResult;
import io.raftkv.client.DeleteResult;
import io.raftkv.client.Expected;
import io.raftkv.client.GetResult;
import io.raftkv.client.KeyValue;
import io.raftkv.client.PutResult;
import io.raftkv.client.RaftKvClient;
import io.raftkv.client.ReadConsistency;
import io.raftkv.client.Scan;
import io.raftkv.client.TxnOp;
import io.raftkv.client.TxnResult;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.stream.Stream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * The key-value commands. Keys and values are bytes: UTF-8 text on the command line, hex with {@code --hex},
 * a value from stdin with {@code -} or no value at all. Simple output (the README and the end-to-end test
 * read it):
 *
 * <pre>
 * put K [V|-]        OK index=&lt;n&gt;
 * get K              the value's bytes and a newline; a missing key prints nothing, "not found: K" on stderr, exit 3
 * get P --prefix     &lt;key&gt;TAB&lt;value&gt; per line, tabs, newlines and non-UTF-8 bytes escaped (--keys-only: keys)
 * del K              OK index=&lt;n&gt; deleted=true|false       (--prefix: every key with prefix K)
 * cas K EXP NEW      OK index=&lt;n&gt; version=&lt;v&gt;; or FAILED (absent) | FAILED version=&lt;v&gt; value=&lt;value&gt;, exit 3
 * scan PREFIX        as get PREFIX --prefix
 * txn [FILE]         SUCCESS or FAILURE, then one line per operation
 * </pre>
 */
final class KvCommands {
    private KvCommands() {
    }

    /** Prints a result in the chosen format: a JSON object, or lines. */
    static void print(CliContext ctx, ClientOptions o, Map<String, Object> json, String simple) {
        if (o.format == ClientOptions.Format.json) {
            ctx.out().println(Json.write(json));
        } else {
            ctx.out().println(simple);
        }
    }

    static Map<String, Object> kvJson(KeyValue kv) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("key", Json.base64(kv.key()));
        m.put("value", Json.base64(kv.value()));
        m.put("version", kv.version());
        m.put("mod_index", kv.modIndex());
        m.put("create_index", kv.createIndex());
        return m;
    }

    @Command(name = "put", description = "Write a value: prints OK index=<n>.")
    static final class Put implements Callable<Integer> {
        private final CliContext ctx;
        @Mixin
        ClientOptions options;
        @Parameters(index = "0", paramLabel = "KEY", description = "The key (UTF-8 text; hex with --hex).")
        String key;
        @Parameters(index = "1", paramLabel = "VALUE", arity = "0..1",
                description = "The value; '-' or none: read it from stdin, byte for byte. A leading '@' is literal.")
        String value;
        @Option(names = "--hex", description = "KEY and VALUE are hex digits (binary keys and values).")
        boolean hex;

        Put(CliContext ctx) {
            this.ctx = ctx;
        }

        @Override
        public Integer call() {
            ByteString k = Bytes.arg(key, hex, "KEY");
            ByteString v = value == null || value.equals("-") ? stdin(ctx) : Bytes.arg(value, hex, "VALUE");
            try (RaftKvClient c = options.client(ctx)) {
                PutResult r = c.put(k, v);
                print(ctx, options, Map.of("index", r.modIndex(), "version", r.version()), "OK index=" + r.modIndex());
            }
            return 0;
        }
    }

    static ByteString stdin(CliContext ctx) {
        try {
            return ByteString.readFrom(ctx.in());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the value from stdin", e);
        }
    }

    @Command(name = "get", description = {"Read a value and print its bytes; a missing key prints nothing and exits 3.",
        "With --prefix, every key with the prefix KEY: <key><TAB><value> per line, escaped (\\t \\n \\\\ \\xNN)."})
    static final class Get implements Callable<Integer> {
        private final CliContext ctx;
        @Mixin
        ClientOptions options;
        @Parameters(index = "0", paramLabel = "KEY", description = "The key, or the prefix with --prefix (UTF-8; hex with --hex).")
        String key;
        @Option(names = "--prefix", description = "Every key starting with KEY, in key order.")
        boolean prefix;
        @Option(names = "--keys-only", description = "Print the keys only.")
        boolean keysOnly;
        @Option(names = "--limit", paramLabel = "N", description = "With --prefix: at most N keys (default: all).")
        Integer limit;
        @Option(names = "--serializable", description = "Read the answering node's replica (possibly stale, needs no quorum).")
        boolean serializable;
        @Option(names = "--hex", description = "KEY is hex digits; keys and values are printed as hex.")
        boolean hex;

        Get(CliContext ctx) {
            this.ctx = ctx;
        }

        @Override
        public Integer call() {
            ByteString k = Bytes.arg(key, hex, "KEY");
            if (prefix || limit != null) {
                return range(ctx, options, k, limit, serializable, keysOnly, hex);
            }
            try (RaftKvClient c = options.client(ctx)) {
                GetResult r = c.get(k, consistency(serializable));
                if (r.kv().isEmpty()) {
                    throw CliException.no("not found: " + Bytes.field(k, hex));
                }
                KeyValue kv = r.kv().get();
                if (options.format == ClientOptions.Format.json) {
                    ctx.out().println(Json.write(kvJson(kv)));
                } else if (options.format == ClientOptions.Format.table) {
                    Table t = new Table("KEY", "VALUE", "VERSION", "MOD_INDEX");
                    t.row(Bytes.field(kv.key(), hex), Bytes.field(kv.value(), hex), Long.toString(kv.version()),
                            Long.toString(kv.modIndex()));
                    t.print(ctx.out());
                } else if (keysOnly) {
                    ctx.out().println(Bytes.field(kv.key(), hex));
                } else if (hex) {
                    ctx.out().println(Bytes.hex(kv.value()));
                } else {
                    // The value as it is: bytes in, the same bytes out (a trailing newline for the terminal).
                    ctx.out().write(kv.value().toByteArray(), 0, kv.value().size());
                    ctx.out().println();
                }
            }
            return 0;
        }
    }

    /** Every key with {@code prefix} (empty: all), in key order, one page per round trip. */
    static int range(CliContext ctx, ClientOptions o, ByteString prefix, Integer limit, boolean serializable, boolean keysOnly,
                     boolean hex) {
        if (limit != null && limit <= 0) {
            throw CliException.usage("--limit must be positive, got " + limit);
        }
        Table table = new Table(keysOnly ? new String[] {"KEY"} : new String[] {"KEY", "VALUE", "VERSION", "MOD_INDEX"});
        List<Object> json = new ArrayList<>();
        try (RaftKvClient c = o.client(ctx)) {
            Stream<KeyValue> kvs = c.scan(Scan.prefix(prefix).withConsistency(consistency(serializable)));
            if (limit != null) {
                kvs = kvs.limit(limit);
            }
            kvs.forEach(kv -> {
                switch (o.format) {
                    case json -> json.add(kvJson(kv));
                    case table -> table.row(keysOnly ? new String[] {Bytes.field(kv.key(), hex)} : new String[] {
                        Bytes.field(kv.key(), hex), Bytes.field(kv.value(), hex), Long.toString(kv.version()),
                        Long.toString(kv.modIndex())});
                    default -> ctx.out().println(keysOnly ? Bytes.field(kv.key(), hex)
                            : Bytes.field(kv.key(), hex) + "\t" + Bytes.field(kv.value(), hex));
                }
            });
        }
        if (o.format == ClientOptions.Format.json) {
            ctx.out().println(Json.write(Map.of("kvs", json)));
        } else if (o.format == ClientOptions.Format.table) {
            table.print(ctx.out());
        }
        return 0;
    }

    @Command(name = "scan", description = "List keys with a prefix in key order: 'get PREFIX --prefix'.")
    static final class ScanCmd implements Callable<Integer> {
        private final CliContext ctx;
        @Mixin
        ClientOptions options;
        @Parameters(index = "0", paramLabel = "PREFIX", defaultValue = "", description = "Key prefix (default: all keys).")
        String prefix;
        @Option(names = "--limit", paramLabel = "N", description = "Print at most N keys (default: all).")
        Integer limit;
        @Option(names = "--keys-only", description = "Print the keys only.")
        boolean keysOnly;
        @Option(names = "--serializable", description = "Read the answering node's replica (possibly stale).")
        boolean serializable;
        @Option(names = "--hex", description = "PREFIX is hex digits; keys and values are printed as hex.")
        boolean hex;

        ScanCmd(CliContext ctx) {
            this.ctx = ctx;
        }

        @Override
        public Integer call() {
            return range(ctx, options, Bytes.arg(prefix, hex, "PREFIX"), limit, serializable, keysOnly, hex);
        }
    }

    @Command(name = "del", description = "Delete a key (or, with --prefix, every key with that prefix): prints OK index=<n> deleted=true|false.")
    static final class Del implements Callable<Integer> {
        private final CliContext ctx;
        @Mixin
        ClientOptions options;
        @Parameters(index = "0", paramLabel = "KEY", description = "The key, or the prefix with --prefix (UTF-8; hex with --hex).")
        String key;
        @Option(names = "--prefix", description = "Delete every key starting with KEY, in one transaction.")
        boolean prefix;
        @Option(names = "--hex", description = "KEY is hex digits.")
        boolean hex;

        Del(CliContext ctx) {
            this.ctx = ctx;
        }

        @Override
        public Integer call() {
            ByteString k = Bytes.arg(key, hex, "KEY");
            if (prefix && k.isEmpty()) {
                throw CliException.usage("del --prefix needs a non-empty prefix (it would delete every key)");
            }
            try (RaftKvClient c = options.client(ctx)) {
                DeleteResult r;
                long index;
                if (prefix) {
                    TxnResult t = c.txn().then(TxnOp.deleteRange(k, Bytes.prefixEnd(k))).commit();
                    r = (DeleteResult) t.results().get(0);
                    index = t.header().index();
                } else {
                    r = c.delete(k);
                    index = r.header().index();
                }
                print(ctx, options, Map.of("index", index, "deleted", r.deleted()), "OK index=" + index + " deleted=" + r.deleted());
            }
            return 0;
        }
    }

    @Command(name = "cas", description = {"Compare and set: write NEW only if the value is EXPECTED ('-' means the key is absent).",
        "Prints OK index=<n> version=<v>, or FAILED ... with exit 3."})
    static final class Cas implements Callable<Integer> {
        private final CliContext ctx;
        @Mixin
        ClientOptions options;
        @Parameters(index = "0", paramLabel = "KEY", description = "The key (UTF-8; hex with --hex).")
        String key;
        @Parameters(index = "1", paramLabel = "EXPECTED", description = "The value it must have now, or '-': it must not exist.")
        String expected;
        @Parameters(index = "2", paramLabel = "NEW", description = "The value to write.")
        String newValue;
        @Option(names = "--hex", description = "KEY, EXPECTED and NEW are hex digits.")
        boolean hex;

        Cas(CliContext ctx) {
            this.ctx = ctx;
        }

        @Override
        public Integer call() {
            Expected e = expected.equals("-") ? Expected.absent() : Expected.value(Bytes.arg(expected, hex, "EXPECTED"));
            try (RaftKvClient c = options.client(ctx)) {
                CasResult r = c.compareAndSet(Bytes.arg(key, hex, "KEY"), e, Bytes.arg(newValue, hex, "NEW"));
                if (r.succeeded()) {
                    KeyValue kv = r.current().orElseThrow();
                    print(ctx, options, Map.of("succeeded", true, "index", r.header().index(), "version", kv.version()),
                            "OK index=" + r.header().index() + " version=" + kv.version());
                    return 0;
                }
                String why = r.current().map(kv -> "FAILED version=" + kv.version() + " value=" + Bytes.field(kv.value(), hex))
                        .orElse("FAILED (absent)");
                Map<String, Object> json = new LinkedHashMap<>();
                json.put("succeeded", false);
                json.put("kv", r.current().map(KvCommands::kvJson).orElse(null));
                print(ctx, options, json, why);
                return CliException.NO;
            }
        }
    }

    static ReadConsistency consistency(boolean serializable) {
        return serializable ? ReadConsistency.SERIALIZABLE : ReadConsistency.LINEARIZABLE;
    }
}
