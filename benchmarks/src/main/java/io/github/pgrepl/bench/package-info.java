/**
 * The end-to-end benchmark harness: one workload written once, read in turns by each consumer (pg_recvlogical,
 * pgjdbc, pgrepl raw, decoded, Spring and Kafka relay, Debezium embedded) in child JVMs, with rate, CPU and
 * allocation per change, and the latency run (commit to consumer). Results as CSV, PNG and markdown; see
 * {@code benchmarks/README.md}. May import every pgrepl module and the tools it compares with; nothing imports it.
 */
package io.github.pgrepl.bench;
