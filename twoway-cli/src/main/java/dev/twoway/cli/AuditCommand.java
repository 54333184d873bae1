package dev.twoway.cli;

import dev.twoway.audit.AuditChain;
import dev.twoway.audit.AuditEntry;
import dev.twoway.audit.AuditQuery;
import dev.twoway.audit.AuditFormat;
import dev.twoway.audit.AuditMask;
import dev.twoway.config.TwowayConfig;
import dev.twoway.store.StateStore;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.io.BufferedWriter;
import java.io.IOException;
import java.io.OutputStreamWriter;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.concurrent.Callable;

@Command(name = "audit", mixinStandardHelpOptions = true,
        description = "The tamper-evident audit trail: every change, write and decision, SHA-256 hash-chained.",
        subcommands = {AuditCommand.Verify.class, AuditCommand.Export.class},
        footer = {"", "Examples:", "  twoway audit verify", "  twoway audit export --format csv --output audit.csv --since 2026-11-01T00:00:00Z"})
final class AuditCommand {
    private static final int PAGE = 1000;

    /** The whole trail in order, read page by page (bounded memory for any length). */
    static Iterable<AuditEntry> trail(StateStore store) {
        return store.auditTrail(AuditQuery.after(0, PAGE));
    }

    @Command(name = "verify", mixinStandardHelpOptions = true,
            description = {"Recomputes the hash chain from the first entry; names the first entry that was changed, removed or inserted.",
                    "The chain alone cannot show that entries were cut from its end: keep the head this prints (seq:hash) somewhere "
                            + "else and pass it back with --anchor to prove the trail still holds it."},
            footer = {"", "Examples:", "  twoway audit verify", "  twoway audit verify --anchor 1532:9f2c…e41a      (a head printed by an earlier verify)",
                    "", "Exit codes: 0 intact, 1 broken or an anchor not matched."})
    static final class Verify implements Callable<Integer> {
        @Mixin
        ConfigOption config;

        @Option(names = "--anchor", paramLabel = "SEQ:HASH", description = "An entry that must still be in the trail with this hash "
                + "(as printed by an earlier verify); repeatable.")
        List<String> anchors = new java.util.ArrayList<>();

        @Override
        public Integer call() {
            TwowayConfig cfg = config.load();
            java.util.Map<Long, String> wanted = new java.util.LinkedHashMap<>();
            for (String a : anchors) {
                java.util.regex.Matcher m = java.util.regex.Pattern.compile("(\\d+):([0-9a-fA-F]{64})").matcher(a.trim());
                if (!m.matches()) {
                    throw new IllegalArgumentException("--anchor '" + a
                            + "' is not SEQ:HASH; use the head an earlier twoway audit verify printed, e.g. 1532:<64 hex digits>");
                }
                wanted.put(Long.parseLong(m.group(1)), m.group(2).toLowerCase(java.util.Locale.ROOT));
            }
            java.util.Map<Long, String> found = new java.util.HashMap<>();
            AuditEntry[] last = new AuditEntry[1];
            AuditChain.Verification v = Requests.read(cfg, store -> AuditChain.verify(() -> {
                Iterator<AuditEntry> it = trail(store).iterator();
                return new Iterator<>() {
                    public boolean hasNext() {
                        return it.hasNext();
                    }

                    public AuditEntry next() {
                        AuditEntry e = it.next();
                        last[0] = e;
                        if (wanted.containsKey(e.seq())) found.put(e.seq(), e.hash());
                        return e;
                    }
                };
            }));
            if (!v.intact()) {
                System.out.println("audit trail BROKEN at entry " + v.firstBreak().get().seq() + ": " + v.firstBreak().get().reason()
                        + " (" + v.checked() + " entries before it verified)");
                return 1;
            }
            long end = last[0] == null ? 0 : last[0].seq();
            for (var a : wanted.entrySet()) {
                String h = found.get(a.getKey());
                if (h == null) {
                    System.out.println("audit trail BROKEN: anchor entry " + a.getKey() + " is missing; the trail ends at " + end
                            + " (entries were removed from its end, or the state store was replaced by an older copy)");
                    return 1;
                }
                if (!h.equals(a.getValue())) {
                    System.out.println("audit trail BROKEN: entry " + a.getKey() + " has hash " + h + ", not the anchor's " + a.getValue()
                            + " (the trail was rewritten from there on, or this is another deployment's trail)");
                    return 1;
                }
            }
            System.out.println("audit trail intact: " + v.checked() + " entries verified"
                    + (wanted.isEmpty() ? "" : ", " + CliValues.count(wanted.size(), "anchor") + " matched")
                    + (last[0] == null ? "" : "; head " + last[0].seq() + ":" + last[0].hash() + " (keep it elsewhere; verify --anchor proves nothing was cut)"));
            return 0;
        }
    }

    @Command(name = "export", mixinStandardHelpOptions = true,
            description = "Writes the audit trail (or part of it) as JSON lines or CSV, with each entry's hashes so a copy can be verified elsewhere.",
            footer = {"", "Examples:", "  twoway audit export > audit.jsonl", "  twoway audit export --format csv --sync customers --output customers-audit.csv"})
    static final class Export implements Callable<Integer> {
        @Mixin
        ConfigOption config;

        @Option(names = "--format", defaultValue = "jsonl", description = "jsonl or csv (default ${DEFAULT-VALUE}).")
        String format;

        @Option(names = "--output", paramLabel = "FILE", description = "Write here instead of standard output.")
        Path output;

        @Option(names = "--sync", paramLabel = "NAME", description = "Only entries of this sync.")
        String sync;

        @Option(names = "--since", paramLabel = "TIME", description = "Only entries at or after this time (ISO-8601, e.g. 2026-11-01T00:00:00Z).")
        String since;

        @Option(names = "--unmasked", description = "Include the values of fields marked sensitive (masked as *** by default).")
        boolean unmasked;

        private AuditMask mask = AuditMask.none();

        @Override
        public Integer call() throws IOException {
            if (!format.equals("jsonl") && !format.equals("csv")) throw new IllegalArgumentException("--format '" + format + "': write jsonl or csv");
            Instant from;
            try {
                from = since == null ? Instant.MIN : Instant.parse(since);
            } catch (DateTimeParseException e) {
                throw new IllegalArgumentException("--since '" + since + "' is not an ISO-8601 time; write e.g. 2026-11-01T00:00:00Z");
            }
            TwowayConfig cfg = config.load();
            if (!unmasked) mask = Deployment.auditMask(cfg);
            long n;
            try (Writer w = output == null ? new BufferedWriter(new OutputStreamWriter(System.out, StandardCharsets.UTF_8))
                    : Files.newBufferedWriter(output, StandardCharsets.UTF_8)) {
                if (format.equals("csv")) w.write(AuditFormat.CSV_HEADER + "\n");
                n = Requests.read(cfg, store -> {
                    long count = 0;
                    for (AuditEntry e : trail(store)) {
                        if ((sync != null && !sync.equals(e.sync())) || e.time().isBefore(from)) continue;
                        write(w, e);
                        count++;
                    }
                    return count;
                });
                w.flush();
            }
            if (output != null) System.out.println(n + " audit entries written to " + output);
            return 0;
        }

        private void write(Writer w, AuditEntry e) {
            try {
                w.write(format.equals("jsonl") ? AuditFormat.json(e, mask).toString() : AuditFormat.csv(e, mask));
                w.write('\n');
            } catch (IOException ex) {
                throw new UncheckedIOException(ex);
            }
        }
    }
}
