/**
 * pgrepl's meters under {@code pgrepl.*}, one set per connection, read from its status when published.
 *
 * <p>Imports the {@code connection} package, pgrepl-core and Micrometer.
 */
package io.github.pgrepl.spring.metrics;
