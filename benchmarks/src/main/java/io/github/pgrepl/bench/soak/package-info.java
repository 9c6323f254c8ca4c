/**
 * The soak run (not in CI): a long stream under a steady writer while the connection is paused and resumed every few
 * seconds, printing heap, threads, file descriptors, reconnects and delivered rows. May import core and test-support.
 */
package io.github.pgrepl.bench.soak;
