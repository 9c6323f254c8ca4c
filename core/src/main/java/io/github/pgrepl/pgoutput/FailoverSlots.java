package io.github.pgrepl.pgoutput;

import io.github.pgrepl.Endpoint;
import io.github.pgrepl.Lsn;
import io.github.pgrepl.PgException;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * What a {@link PgOutputHandler} says about slots that cannot be streamed and about a failover setup that would lose
 * changes: the cause, and the settings or commands that fix it. Kept apart from the handler so that the wording of
 * each case sits in one place.
 */
final class FailoverSlots {

    /** PostgreSQL 17: failover slots, {@code sync_replication_slots}, {@code synchronized_standby_slots}. */
    static final int SINCE_VERSION_NUM = 170000;

    private FailoverSlots() {
    }

    static String unsupported(String slot, String where, int serverVersionNum) {
        return "failover slots need PostgreSQL 17 or later, but " + where + " runs PostgreSQL " + serverVersionNum / 10000
                + ": turn failover off for slot \"" + slot + "\", or upgrade the server (before 17 a slot lives on the"
                + " primary only, and a promoted standby does not have it)";
    }

    static String invalidated(String slot, String where, SlotStatus status) {
        return invalidated(slot, where, status.invalidationCause() + "; it had confirmed up to " + status.confirmedFlush());
    }

    static String invalidated(String slot, String where, PgException error) {
        return invalidated(slot, where, error.serverMessage() + (error.detail() == null ? "" : " (" + error.detail() + ")"));
    }

    private static String invalidated(String slot, String where, String cause) {
        return "replication slot \"" + slot + "\" on " + where + " is invalidated (" + cause + "): the server can no"
                + " longer decode from it, so the changes since its position are lost to this consumer. Drop it (SELECT"
                + " pg_drop_replication_slot('" + slot + "')), create it again (createSlot), and re-snapshot the published"
                + " tables; reconnecting will not help";
    }

    static String lost(String slot, String where, Lsn delivered) {
        return "replication slot \"" + slot + "\" is gone from " + where + ", where it was streamed before: it was"
                + " dropped, or a standby without a synchronized copy was promoted (that needs PostgreSQL 17+, failover"
                + " on, sync_replication_slots = on on the standby and synchronized_standby_slots on the primary). The"
                + " changes after " + delivered + " are lost to this consumer: create the slot again (createSlot) and"
                + " re-snapshot the published tables; reconnecting will not help";
    }

    static String syncedOnStandby(String slot, String where) {
        return "replication slot \"" + slot + "\" on " + where + " is a synchronized copy on a standby: it can be"
                + " streamed only once this standby is promoted. Connect to the primary (target_session_attrs=primary,"
                + " the default); retrying";
    }

    static String missingOnStandby(String slot, String where) {
        return "failover slot \"" + slot + "\" does not exist on the standby " + where + ": failover slots are created"
                + " and streamed on the primary, and a standby has a copy only with sync_replication_slots = on. Connect to"
                + " the primary (target_session_attrs=primary, the default); retrying";
    }

    /**
     * What the primary's settings leave open in a failover; empty when nothing.
     *
     * @param synchronizedStandbySlots the primary's {@code synchronized_standby_slots}
     * @param physicalSlots the primary's physical slots, comma-separated, or null when it has none
     */
    static List<String> primaryWarnings(String slot, String where, String synchronizedStandbySlots, String physicalSlots) {
        List<String> warnings = new ArrayList<>();
        if (physicalSlots == null) {
            warnings.add("failover slot \"" + slot + "\": no standby of " + where + " streams from a physical slot, so"
                    + " none can keep a copy of it. On each standby set primary_slot_name (a physical slot on the"
                    + " primary), hot_standby_feedback = on, sync_replication_slots = on and a dbname in primary_conninfo");
        }
        if (synchronizedStandbySlots == null || synchronizedStandbySlots.isBlank()) {
            warnings.add("failover slot \"" + slot + "\": synchronized_standby_slots is empty on " + where + ", so this"
                    + " consumer may receive changes a standby does not have yet, and a failover to that standby loses"
                    + " them. Set synchronized_standby_slots = '" + (physicalSlots == null ? "<the standbys' physical slots>"
                    : physicalSlots) + "' on the primary and reload (SELECT pg_reload_conf())");
        }
        return warnings;
    }

    static String otherCluster(String where, String systemId, String streamedSystemId) {
        return where + " belongs to another cluster (system identifier " + systemId + ") than the one this connection"
                + " streamed from (" + streamedSystemId + "): a host list must name the primary and the standbys of one"
                + " cluster. Fix the host list; reconnecting will not help";
    }

    static String diverged(String where, int streamedTimeline, int timeline, Lsn switchpoint, Lsn delivered) {
        return "this connection received changes up to " + delivered + " on timeline " + streamedTimeline + ", but " + where
                + " runs timeline " + timeline + (switchpoint == null ? ", whose history does not include it"
                : ", which branched off at " + switchpoint) + ": the transactions after that were lost in the failover"
                + " (the promoted standby never had them), though the listener saw them. Set synchronized_standby_slots on"
                + " the primary so that no consumer gets ahead of the standby, then restart the application (it resumes"
                + " from the slot's position) and reconcile what the listener applied after the branch point";
    }

    /**
     * The position where {@code parentTimeline} ended, from a timeline history file's lines ({@code parent tab
     * switchpoint tab reason}), or null when the history does not include it.
     */
    static Lsn switchpoint(String history, int parentTimeline) {
        for (String line : history.split("\n")) {
            String[] fields = line.strip().split("\\s+");
            if (fields.length >= 2 && !fields[0].startsWith("#") && fields[0].equals(Integer.toString(parentTimeline))) {
                return Lsn.parse(fields[1]);
            }
        }
        return null;
    }

    /** What keeps a standby from synchronizing failover slots, as a warning; {@code null} when nothing. */
    static String standbySetup(String slot, Endpoint standby, String syncReplicationSlots, String hotStandbyFeedback,
                               String primarySlotName) {
        StringBuilder missing = new StringBuilder();
        if (!"on".equals(syncReplicationSlots)) {
            missing.append(" sync_replication_slots = on,");
        }
        if (!"on".equals(hotStandbyFeedback)) {
            missing.append(" hot_standby_feedback = on,");
        }
        if (primarySlotName == null || primarySlotName.isEmpty()) {
            missing.append(" primary_slot_name (a physical slot on the primary),");
        }
        if (missing.length() == 0) {
            return null;
        }
        return "failover slot \"" + slot + "\": the standby " + standby + " cannot keep a copy of it, so a failover to it"
                + " loses the slot. Set" + missing.substring(0, missing.length() - 1) + " there (and a dbname in its"
                + " primary_conninfo), and reload";
    }

    /** A standby that still has no ready copy of the slot after {@code waited}, as a warning. */
    static String copyNotReady(String slot, Endpoint standby, Boolean synced, Duration waited) {
        String state = synced == null ? "has no copy of it" : synced ? "has a copy that is not ready yet (temporary)"
                : "has a slot of that name of its own, not a synchronized copy";
        return "failover slot \"" + slot + "\": the standby " + standby + " " + state + " after " + waited.toSeconds()
                + " s, so a failover to it now loses the slot. Check the standby's log (slot sync worker), that its"
                + " primary_conninfo names a dbname, and that the primary's slot moves on (a synchronized copy becomes ready"
                + " once the primary's slot passes the standby's position)";
    }

    /** "can no longer get changes from replication slot": START_REPLICATION on an invalidated slot. */
    static boolean isInvalidatedError(PgException error) {
        return "55000".equals(error.sqlState()) && error.serverMessage().contains("can no longer get changes");
    }

    /** "replication slot ... does not exist". */
    static boolean isMissingSlotError(PgException error) {
        return "42704".equals(error.sqlState()) && error.serverMessage().contains("replication slot");
    }
}
