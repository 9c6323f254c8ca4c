package io.github.pgrepl.internal.session;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.pgrepl.Endpoint;

import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;

import org.junit.jupiter.api.Test;

/** The order one walk tries the hosts in: as listed, or shuffled per walk with load_balance_hosts=random. */
class ConnectorOrderTest {

    private static final List<Endpoint> HOSTS = List.of(new Endpoint("a", 1), new Endpoint("b", 2), new Endpoint("c", 3));

    @Test
    void keepsTheListedOrderUnlessLoadBalancing() {
        assertThat(Connector.order(HOSTS, false, new Random(1))).containsExactlyElementsOf(HOSTS);
    }

    @Test
    void loadBalancingTriesEveryHostFirstSometimesAndNeverDropsOne() {
        Random random = new Random(42);
        Set<Endpoint> first = new HashSet<>();
        for (int walk = 0; walk < 50; walk++) {
            List<Endpoint> order = Connector.order(HOSTS, true, random);
            assertThat(order).containsExactlyInAnyOrderElementsOf(HOSTS);
            first.add(order.get(0));
        }
        assertThat(first).containsExactlyInAnyOrderElementsOf(HOSTS);
    }
}
