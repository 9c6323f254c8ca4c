/**
 * The sample application: connection {@code orders} streams table {@code orders} to the listener methods of
 * {@link io.github.pgrepl.sample.OrderChanges}, a writer keeps the table changing, and HTTP endpoints show the changes,
 * transactions and dead letters. Imports the starter's public API only, as a user's application would.
 */
package io.github.pgrepl.sample;
