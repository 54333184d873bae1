package dev.twoway.engine;

/** Which way an endpoint takes part in its sync. */
public enum Direction {
    /** Its changes are captured and it receives the others' changes. */
    BOTH,
    /** Read-only: its changes are captured, the engine never writes to it. */
    SOURCE,
    /** Write-only: the engine writes to it but never captures its changes. */
    TARGET;

    public boolean captured() {
        return this != TARGET;
    }

    public boolean written() {
        return this != SOURCE;
    }
}
