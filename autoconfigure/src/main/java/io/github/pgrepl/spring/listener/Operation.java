package io.github.pgrepl.spring.listener;

/** What a {@link Change} did to its table. */
public enum Operation {

    /** A row as a snapshot read it, rather than changed by a transaction: its source has no commit. */
    READ,

    INSERT,

    UPDATE,

    DELETE,

    /** {@code TRUNCATE}: one change per truncated table, without rows. */
    TRUNCATE
}
