/**
 * The auto-configuration's machinery shared with pgrepl's other modules (pgrepl-kafka checks its own keys of a
 * connection with it). Not an API.
 *
 * <p>Imports Spring Boot's binder and the {@code connection} package.
 */
package io.github.pgrepl.spring.autoconfigure.internal;
