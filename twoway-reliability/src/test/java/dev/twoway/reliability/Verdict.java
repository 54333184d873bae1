package dev.twoway.reliability;

import java.util.List;

/**
 * What the checker found after convergence.
 *
 * @param lost        records or values committed by a writer that are not where they must be: an email inserted
 *                    and never deleted that is missing on a side, or a field whose final value is none of the last
 *                    values the writers committed for it on either side (a later write or a conflict decision
 *                    explains every other value; see docs/reliability.md)
 * @param duplicates  extra rows with the same match key (email) on one side
 * @param mismatched  emails whose row differs between the sides, or that one side lacks
 * @param phantoms    emails present that no writer ever wrote
 * @param conflicts   conflict decisions in the audit trail
 * @param examples    a few findings, for the failure message
 */
record Verdict(long lost, long duplicates, long mismatched, long phantoms, long conflicts, List<String> examples) {
    boolean clean() {
        return lost == 0 && duplicates == 0 && mismatched == 0 && phantoms == 0;
    }
}
