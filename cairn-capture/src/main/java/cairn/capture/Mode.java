package cairn.capture;

/** Whether a call may go unaudited. */
public enum Mode {
    /**
     * The call is served whatever happens to its record; the client sends it, or spills it to send later (the
     * default).
     */
    FAIL_OPEN,
    /**
     * The call is refused (503) unless its record is durably accepted by Cairn, as HashiCorp Vault does with its
     * audit devices: refused before it runs while Cairn is known to be unreachable, and its response withheld and
     * replaced by a 503 when its record is not accepted in time.
     */
    FAIL_CLOSED
}
