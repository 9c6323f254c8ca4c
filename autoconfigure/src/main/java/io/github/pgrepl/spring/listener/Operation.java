package io.github.pgrepl.spring.listener;

/** What a {@link Change} did to its table. */
public enum Operation {

    /** A row read by a snapshot rather than changed by a transaction (snapshots are yet to come). */
    READ,

    INSERT,

    UPDATE,

    DELETE,

    /** {@code TRUNCATE}: one change per truncated table, without rows. */
    TRUNCATE
}
