package io.raftkv.cli;

import io.raftkv.client.DeleteResult;
import io.raftkv.client.KeyValue;
import io.raftkv.client.PutResult;
import io.raftkv.client.RaftKvClient;
import io.raftkv.client.RangeResult;
import io.raftkv.client.TxnOpResult;
import io.raftkv.client.TxnResult;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code raftkv txn [FILE]}: an etcdctl-style transaction ({@link TxnScript}) from FILE or stdin. */
@Command(name = "txn", description = {"Run a transaction from FILE (or stdin), etcdctl's syntax: compares, an empty line,",
    "the operations if all hold, an empty line, the operations otherwise:",
    "  value(\"k\") = \"v\"   version(\"k\") > \"3\"   mod(\"k\") != \"7\"   create(\"k\") < \"9\"",
    "  put K V   del K [--prefix]   get K [--prefix]",
    "Prints SUCCESS or FAILURE, then a line per operation; FAILURE exits 3."})
final class TxnCommand implements Callable<Integer> {
    private final CliContext ctx;
    @Mixin
    ClientOptions options;
    @Parameters(index = "0", paramLabel = "FILE", arity = "0..1", description = "The transaction; '-' or none: stdin.")
    String file;
    @Option(names = "--hex", description = "Keys and values in the script are hex digits; printed as hex.")
    boolean hex;

    TxnCommand(CliContext ctx) {
        this.ctx = ctx;
    }

    @Override
    public Integer call() throws IOException {
        String text = file == null || file.equals("-") ? KvCommands.stdin(ctx).toString(StandardCharsets.UTF_8)
                : Files.readString(ctx.resolve(Path.of(file)), StandardCharsets.UTF_8);
        TxnScript s = TxnScript.parse(text, hex);
        TxnResult r;
        try (RaftKvClient c = options.client(ctx)) {
            r = c.txn().when(s.compares().toArray(new io.raftkv.client.Compare[0]))
                    .then(s.success().toArray(new io.raftkv.client.TxnOp[0]))
                    .otherwise(s.failure().toArray(new io.raftkv.client.TxnOp[0])).commit();
        }
        if (options.format == ClientOptions.Format.json) {
            List<Object> results = new ArrayList<>();
            r.results().forEach(x -> results.add(json(x)));
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("succeeded", r.succeeded());
            m.put("index", r.header().index());
            m.put("results", results);
            ctx.out().println(Json.write(m));
        } else {
            ctx.out().println(r.succeeded() ? "SUCCESS" : "FAILURE");
            r.results().forEach(this::print);
        }
        return r.succeeded() ? 0 : CliException.NO;
    }

    private void print(TxnOpResult x) {
        if (x instanceof PutResult p) {
            ctx.out().println("OK index=" + p.modIndex());
        } else if (x instanceof DeleteResult d) {
            ctx.out().println("OK deleted=" + d.deleted());
        } else if (x instanceof RangeResult g) {
            for (KeyValue kv : g.kvs()) {
                ctx.out().println(Bytes.field(kv.key(), hex) + "\t" + Bytes.field(kv.value(), hex));
            }
        }
    }

    private static Object json(TxnOpResult x) {
        if (x instanceof PutResult p) {
            return Map.of("put", Map.of("index", p.modIndex(), "version", p.version()));
        }
        if (x instanceof DeleteResult d) {
            return Map.of("delete", Map.of("deleted", d.deleted()));
        }
        List<Object> kvs = new ArrayList<>();
        ((RangeResult) x).kvs().forEach(kv -> kvs.add(KvCommands.kvJson(kv)));
        return Map.of("range", Map.of("kvs", kvs));
    }
}
