package io.github.pgrepl.pgoutput;

import io.github.pgrepl.internal.util.Durations;

import java.time.Duration;
import java.util.List;
import java.util.regex.Pattern;

/**
 * The checks of {@link PgOutputHandler.Builder}'s options, each with the error that says what is wrong and what is
 * allowed: a bad option fails where it is set, and {@link #complete} checks what only the whole can tell.
 */
final class OptionChecks {

    private static final Pattern SLOT_NAME = Pattern.compile("[a-z0-9_]{1,63}");

    private OptionChecks() {
    }

    static String slotName(String slot) {
        if (slot == null || !SLOT_NAME.matcher(slot).matches()) {
            throw new IllegalArgumentException("Invalid replication slot name '" + slot
                    + "': use 1 to 63 lowercase letters, digits and underscores, e.g. orders_slot");
        }
        return slot;
    }

    /** A copy of {@code names}, none of them empty; {@code what} names them in the error. */
    static List<String> names(List<String> names, String what) {
        for (String name : names) {
            if (name == null || name.isBlank()) {
                throw new IllegalArgumentException("A " + what + " name must not be empty");
            }
        }
        return List.copyOf(names);
    }

    static int protocolVersion(int protocolVersion) {
        if (protocolVersion < PgOutputDecoder.MIN_PROTOCOL_VERSION || protocolVersion > PgOutputDecoder.MAX_PROTOCOL_VERSION) {
            throw new IllegalArgumentException("pgoutput protocol version must be 1 to 4, was " + protocolVersion);
        }
        return protocolVersion;
    }

    static void queueCapacity(int events, long bytes) {
        if (events < 2 || bytes < 1024) {
            throw new IllegalArgumentException("queue capacity must be at least 2 events and 1024 bytes");
        }
    }

    static Duration positive(Duration duration, String what) {
        if (duration == null || duration.isNegative() || duration.isZero()) {
            throw new IllegalArgumentException(what + " must be positive, was " + Durations.text(duration));
        }
        return duration;
    }

    static void retry(int maxAttempts, Duration backoff) {
        if (maxAttempts < 1 || backoff == null || backoff.isNegative()) {
            throw new IllegalArgumentException("retry needs at least 1 attempt and a non-negative backoff");
        }
    }

    static int atLeastOne(int value, String what) {
        if (value < 1) {
            throw new IllegalArgumentException(what + " must be at least 1, was " + value);
        }
        return value;
    }

    /** What {@link PgOutputHandler.Builder#build} needs of the options together. */
    static void complete(PgOutputHandler.Builder options) {
        if (options.slot == null) {
            throw new IllegalArgumentException("slot is required");
        }
        if (options.snapshot.mode() != SnapshotMode.NEVER && options.twoPhase && !options.temporarySlot) {
            throw new IllegalArgumentException("An initial snapshot cannot create a two-phase slot: it creates the slot"
                    + " temporary and copies it once read, and PostgreSQL copies slots without two_phase. Turn twoPhase off,"
                    + " or create the slot with two_phase yourself and take an incremental snapshot");
        }
        if (options.publications.isEmpty()) {
            throw new IllegalArgumentException("at least one publication is required");
        }
        if (options.failover && options.temporarySlot) {
            throw new IllegalArgumentException("a temporary slot cannot be a failover slot: it ends with its session,"
                    + " so no standby can take it over; turn temporarySlot or failover off");
        }
    }
}
