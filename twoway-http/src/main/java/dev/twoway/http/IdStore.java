package dev.twoway.http;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * The ids a REST source has reported, in a text file of twoway's (one id a line), for delete scans.
 *
 * <p>Like twoway-jdbc's key store: additions and removals are staged under the number of the batch that reported
 * them and only become the stored set once the source is asked for a later batch ({@link #settle}), that is, once
 * the engine committed that batch's position. Staged changes of batches it never committed are dropped.
 */
final class IdStore {
    private final Path file;
    private Set<String> ids;
    private final Map<Long, Map<String, Boolean>> staged = new HashMap<>();

    IdStore(Path file) {
        this.file = file;
    }

    private Set<String> ids() {
        if (ids == null) {
            ids = new TreeSet<>();
            try {
                if (Files.exists(file)) for (String l : Files.readAllLines(file, StandardCharsets.UTF_8)) if (!l.isEmpty()) ids.add(unescape(l));
            } catch (IOException e) {
                throw new UncheckedIOException("cannot read the delete-scan id file " + file + ": " + e.getMessage(), e);
            }
        }
        return ids;
    }

    Set<String> known() {
        return java.util.Collections.unmodifiableSet(ids());
    }

    /** Ids reported ({@code true}) or reported deleted ({@code false}) by batch {@code batch}. */
    void stage(long batch, Map<String, Boolean> changes) {
        staged.computeIfAbsent(batch, b -> new HashMap<>()).putAll(changes);
    }

    /** Every batch up to {@code committed} is committed: their changes become stored; later ones are void. */
    void settle(long committed) {
        Set<String> s = ids();
        boolean dirty = false;
        for (Iterator<Map.Entry<Long, Map<String, Boolean>>> it = new TreeSet<>(staged.keySet()).stream()
                .map(b -> Map.entry(b, staged.get(b))).iterator(); it.hasNext(); ) {
            var e = it.next();
            if (e.getKey() <= committed) {
                for (var c : e.getValue().entrySet()) dirty |= c.getValue() ? s.add(c.getKey()) : s.remove(c.getKey());
            }
            staged.remove(e.getKey());
        }
        if (dirty) write(s);
    }

    private void write(Set<String> s) {
        try {
            Files.createDirectories(file.toAbsolutePath().getParent());
            Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
            StringBuilder b = new StringBuilder();
            for (String id : new LinkedHashSet<>(s)) b.append(escape(id)).append('\n');
            Files.writeString(tmp, b, StandardCharsets.UTF_8);
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the delete-scan id file " + file + ": " + e.getMessage(), e);
        }
    }

    private static String escape(String id) {
        return id.replace("\\", "\\\\").replace("\n", "\\n");
    }

    private static String unescape(String l) {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < l.length(); i++) {
            char c = l.charAt(i);
            if (c == '\\' && i + 1 < l.length()) {
                char n = l.charAt(++i);
                b.append(n == 'n' ? '\n' : n);
            } else b.append(c);
        }
        return b.toString();
    }
}
