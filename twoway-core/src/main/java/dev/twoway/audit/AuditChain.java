package dev.twoway.audit;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Optional;

/**
 * The hash chain over the audit trail. Each entry's hash covers the previous entry's hash and every field of
 * the entry, so changing, removing or reordering any entry breaks every later link. Every state store computes
 * hashes with this class, so a trail can be verified whatever store wrote it.
 */
public final class AuditChain {
    public static final String GENESIS = "0".repeat(64);

    private AuditChain() {
    }

    /** Seals a draft as entry {@code seq} after an entry whose hash is {@code prevHash}. */
    public static AuditEntry seal(long seq, String prevHash, AuditEntry.Draft d) {
        String hash = hash(seq, prevHash, d.time().toString(), d.sync(), d.recordId(), d.system(), d.actor(), d.action(), d.detail());
        return new AuditEntry(seq, d.time(), d.sync(), d.recordId(), d.system(), d.actor(), d.action(),
                d.detail() == null ? "{}" : d.detail(), prevHash, hash);
    }

    static String hash(long seq, String prevHash, String... fields) {
        try {
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            sha.update(prevHash.getBytes(StandardCharsets.US_ASCII));
            sha.update(("\u001e" + seq).getBytes(StandardCharsets.UTF_8));
            for (String f : fields) {
                // A unit separator before each field and a marker for null keep ("ab","c") and ("a","bc") apart.
                sha.update((byte) 0x1f);
                sha.update(f == null ? new byte[]{0} : f.getBytes(StandardCharsets.UTF_8));
            }
            return HexFormat.of().formatHex(sha.digest());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is required by every Java platform", e);
        }
    }

    /** The result of verifying a trail: how many entries were checked and the first broken one, if any. */
    public record Verification(long checked, Optional<Break> firstBreak) {
        public boolean intact() {
            return firstBreak.isEmpty();
        }
    }

    /** Where and why the chain breaks. */
    public record Break(long seq, String reason) {
    }

    /** Verifies entries in sequence order, starting at the first entry of the trail. */
    public static Verification verify(Iterable<AuditEntry> entries) {
        String prev = GENESIS;
        long expectedSeq = 1;
        long checked = 0;
        for (AuditEntry e : entries) {
            if (e.seq() != expectedSeq) {
                return new Verification(checked, Optional.of(new Break(expectedSeq,
                        "entry " + expectedSeq + " is missing (next entry found is " + e.seq() + ")")));
            }
            if (!e.prevHash().equals(prev)) {
                return new Verification(checked, Optional.of(new Break(e.seq(),
                        "entry " + e.seq() + " does not link to entry " + (e.seq() - 1) + ": an entry before it was changed or removed")));
            }
            String recomputed = hash(e.seq(), e.prevHash(), e.time().toString(), e.sync(), e.recordId(), e.system(),
                    e.actor(), e.action(), e.detail());
            if (!recomputed.equals(e.hash())) {
                return new Verification(checked, Optional.of(new Break(e.seq(),
                        "entry " + e.seq() + " was modified after it was written (its hash does not match its content)")));
            }
            prev = e.hash();
            expectedSeq++;
            checked++;
        }
        return new Verification(checked, Optional.empty());
    }
}
