package io.github.pgrepl.bench;

/**
 * What gets written between creating the slots and the end marker. Rows go one INSERT statement at
 * a time, from PL/pgSQL so that the client's round trips do not slow the writing down.
 */
enum Workload {
    /** {@code rows} single-row INSERTs in one transaction: the walsender's reorder buffer spills it to disk. */
    BIG_TRANSACTION("big-transaction") {
        @Override
        int size(Options options) {
            return options.rows;
        }

        @Override
        String sql(int rows) {
            return "DO $$ BEGIN FOR i IN 1.." + rows + " LOOP " + INSERT + "; END LOOP; END $$";
        }
    },
    /** {@code transactions} transactions of one INSERT each: three messages per transaction. */
    SMALL_TRANSACTIONS("small-transactions") {
        @Override
        int size(Options options) {
            return options.transactions;
        }

        @Override
        String sql(int transactions) {
            return "CALL bench_small_transactions(" + transactions + ")";
        }
    };

    static final String TABLE = "bench_rows";
    static final String PUBLICATION = "bench_pub";
    /** The paused-backlog check's table: rows of 1 KB, in a publication of their own. */
    static final String BACKLOG_TABLE = "bench_backlog";
    static final String BACKLOG_PUBLICATION = "bench_backlog_pub";
    /** The non-transactional logical message that marks the end of the workload's WAL. */
    static final String END_PREFIX = "pgrepl-bench-end";

    private static final String INSERT = "INSERT INTO " + TABLE
            + " VALUES (i, i % 1000, i * 0.01, 'order ' || i, now())";

    private final String label;

    Workload(String label) {
        this.label = label;
    }

    String label() {
        return label;
    }

    /** Rows, or transactions, as the options ask. */
    abstract int size(Options options);

    abstract String sql(int size);

    static Workload of(String label) {
        for (Workload workload : values()) {
            if (workload.label.equals(label)) {
                return workload;
            }
        }
        throw new IllegalArgumentException("Unknown workload '" + label + "'");
    }

    /** The table, its publication and the procedure; run once per server. */
    static void createSchema(Target target) {
        target.execute("DROP PUBLICATION IF EXISTS " + PUBLICATION,
                "DROP PUBLICATION IF EXISTS " + BACKLOG_PUBLICATION,
                "DROP TABLE IF EXISTS " + TABLE,
                "DROP TABLE IF EXISTS " + BACKLOG_TABLE,
                "CREATE TABLE " + BACKLOG_TABLE + " (id bigint PRIMARY KEY, payload text) WITH (autovacuum_enabled = false)",
                "CREATE PUBLICATION " + BACKLOG_PUBLICATION + " FOR TABLE " + BACKLOG_TABLE,
                "CREATE TABLE " + TABLE + " (id bigint PRIMARY KEY, account int NOT NULL, amount numeric(12,2),"
                        + " note text, created timestamptz) WITH (autovacuum_enabled = false)",
                "CREATE PUBLICATION " + PUBLICATION + " FOR TABLE " + TABLE,
                "CREATE OR REPLACE PROCEDURE bench_small_transactions(n int) LANGUAGE plpgsql AS $$"
                        + " BEGIN FOR i IN 1..n LOOP " + INSERT + "; COMMIT; END LOOP; END $$");
    }

    /** Writes {@code size} rows or transactions, then the end marker; returns the marker's LSN. */
    String write(Target target, int size) {
        target.execute(sql(size));
        return target.queryValue("SELECT pg_logical_emit_message(false, '" + END_PREFIX + "', 'end')");
    }

    /** Empties the table; call it before creating slots, so that no consumer sees it. */
    static void truncate(Target target) {
        target.execute("TRUNCATE " + TABLE);
    }

    /**
     * What the server would otherwise do while the first consumer runs: a checkpoint, and the vacuum
     * and analyze that autovacuum (off for these tables) would start after a large insert.
     */
    static void settle(Target target) {
        target.execute("VACUUM ANALYZE " + TABLE, "CHECKPOINT");
    }
}
