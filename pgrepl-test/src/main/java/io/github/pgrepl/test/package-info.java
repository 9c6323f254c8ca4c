/**
 * For the tests of applications that use pgrepl: {@link io.github.pgrepl.test.ChangeEvents} builds decoded events
 * without a server, and {@link io.github.pgrepl.test.ReplicationListeners} hands them to {@code @ReplicationListener}
 * methods the way a connection does. Add {@code io.github.pgrepl:pgrepl-test} with {@code <scope>test</scope>}.
 *
 * <p>Imports pgrepl-core, the listener model of pgrepl's Spring layer, and Spring.
 */
package io.github.pgrepl.test;
