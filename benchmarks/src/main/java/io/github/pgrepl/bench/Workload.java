package io.github.pgrepl.bench;

/**
 * What gets written between creating the slots and the end marker. Rows go one INSERT statement at
 * a time, from PL/pgSQL so that the client's round trips do not slow the writing down.
 */
enum Workload {
    /** {@code rows} single-row INSERTs in one transaction: the walsender's reorder buffer spills it to disk. */
    BIG_TRANSACTION("big-transaction") {
        @Override
        String sql(Options options) {
            return "DO $$ BEGIN FOR i IN 1.." + options.rows + " LOOP " + INSERT + "; END LOOP; END $$";
        }

        @Override
        long transactions(Options options) {
            return 1;
        }
    },
    /** {@code transactions} transactions of one INSERT each: three messages per transaction. */
    SMALL_TRANSACTIONS("small-transactions") {
        @Override
        String sql(Options options) {
            return "CALL bench_small_transactions(" + options.transactions + ")";
        }

        @Override
        long transactions(Options options) {
            return options.transactions;
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

    abstract String sql(Options options);

    abstract long transactions(Options options);

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
                "CREATE TABLE " + BACKLOG_TABLE + " (id bigint PRIMARY KEY, payload text)",
                "CREATE PUBLICATION " + BACKLOG_PUBLICATION + " FOR TABLE " + BACKLOG_TABLE,
                "CREATE TABLE " + TABLE + " (id bigint PRIMARY KEY, account int NOT NULL, amount numeric(12,2),"
                        + " note text, created timestamptz)",
                "CREATE PUBLICATION " + PUBLICATION + " FOR TABLE " + TABLE,
                "CREATE OR REPLACE PROCEDURE bench_small_transactions(n int) LANGUAGE plpgsql AS $$"
                        + " BEGIN FOR i IN 1..n LOOP " + INSERT + "; COMMIT; END LOOP; END $$");
    }

    /** Empties the table (before the slots exist, so no consumer sees it), writes, returns the end marker's LSN. */
    String write(Target target, Options options) {
        target.execute(sql(options));
        return target.queryValue("SELECT pg_logical_emit_message(false, '" + END_PREFIX + "', 'end')");
    }

    static void truncate(Target target) {
        target.execute("TRUNCATE " + TABLE);
    }
}
