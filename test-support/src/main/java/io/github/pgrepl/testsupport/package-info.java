/**
 * What pgrepl's tests run against: real PostgreSQL servers from the embedded binaries ({@link
 * io.github.pgrepl.testsupport.PgServer}, {@link io.github.pgrepl.testsupport.PgCluster} for a primary with a
 * standby), a real TCP {@link io.github.pgrepl.testsupport.FaultProxy}, a scripted {@link
 * io.github.pgrepl.testsupport.FakeBackend} for hostile servers no real one imitates, test certificates, secret
 * samples and Netty leak detection. Test scope only; imports no pgrepl module.
 */
package io.github.pgrepl.testsupport;
