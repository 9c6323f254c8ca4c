/**
 * Micrometer observations of the listeners ({@code pgrepl.listener}, per call) and of transactions
 * ({@code pgrepl.transaction}): their documentation, contexts and default conventions. Metrics and tracing both see
 * them; register a global convention to change their names or tags.
 *
 * <p>Imports the listener API, pgrepl-core and Micrometer's observation API.
 */
package io.github.pgrepl.spring.observation;
