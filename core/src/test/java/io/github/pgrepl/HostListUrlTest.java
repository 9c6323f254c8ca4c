package io.github.pgrepl;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Host lists in every URL form libpq and pgjdbc take, and how hosts and ports pair up. */
class HostListUrlTest {

    @Test
    void libpqHostListWithAPortEach() {
        ConnectionConfig config = ConnectionConfig.fromUrl("postgresql://app@a:5432,b:5433/shop").build();

        assertThat(config.endpoints()).containsExactly(new Endpoint("a", 5432), new Endpoint("b", 5433));
        assertThat(config.host()).isEqualTo("a");
        assertThat(config.port()).isEqualTo(5432);
        assertThat(config.database()).isEqualTo("shop");
        assertThat(config.targetSessionAttrs()).isEqualTo(TargetSessionAttrs.PRIMARY);
        assertThat(config.loadBalanceHosts()).isFalse();
    }

    @Test
    void aHostWithoutItsOwnPortGetsTheDefault() {
        assertThat(ConnectionConfig.fromUrl("postgresql://app@a,b:6000,[::1]/shop").build().endpoints())
                .containsExactly(new Endpoint("a", 5432), new Endpoint("b", 6000), new Endpoint("::1", 5432));
        assertThat(ConnectionConfig.fromUrl("postgresql://app@[2001:db8::1]:6001,[2001:db8::2]:6002/shop").build().endpoints())
                .containsExactly(new Endpoint("2001:db8::1", 6001), new Endpoint("2001:db8::2", 6002));
    }

    @Test
    void hostAndPortParametersAsLibpqTakesThem() {
        ConnectionConfig paired = ConnectionConfig.fromUrl("postgresql:///shop?user=app&host=a,b&port=5432,5433").build();
        ConnectionConfig onePort = ConnectionConfig.fromUrl("postgresql:///shop?user=app&host=a,b,c&port=6000").build();
        ConnectionConfig emptyPort = ConnectionConfig.fromUrl("postgresql:///shop?user=app&host=a,b&port=,6000").build();

        assertThat(paired.endpoints()).containsExactly(new Endpoint("a", 5432), new Endpoint("b", 5433));
        assertThat(onePort.endpoints()).containsExactly(new Endpoint("a", 6000), new Endpoint("b", 6000), new Endpoint("c", 6000));
        assertThat(emptyPort.endpoints()).containsExactly(new Endpoint("a", 5432), new Endpoint("b", 6000));
    }

    @Test
    void parametersOverrideTheHostsOfTheAuthority() {
        ConnectionConfig config = ConnectionConfig.fromUrl("postgresql://app@x:1,y:2/shop?host=a,b").build();

        assertThat(config.endpoints()).containsExactly(new Endpoint("a", 1), new Endpoint("b", 2));
    }

    @Test
    void jdbcHostListWithPgjdbcParameters() {
        ConnectionConfig config = ConnectionConfig.fromUrl(
                "jdbc:postgresql://a:5432,b:5433/shop?user=app&targetServerType=preferSecondary&loadBalanceHosts=true").build();

        assertThat(config.endpoints()).containsExactly(new Endpoint("a", 5432), new Endpoint("b", 5433));
        assertThat(config.targetSessionAttrs()).isEqualTo(TargetSessionAttrs.PREFER_STANDBY);
        assertThat(config.loadBalanceHosts()).isTrue();
    }

    @ParameterizedTest
    @CsvSource({"any, ANY", "read-write, READ_WRITE", "read-only, READ_ONLY", "primary, PRIMARY", "standby, STANDBY",
            "prefer-standby, PREFER_STANDBY"})
    void targetSessionAttrsInLibpqSpelling(String value, TargetSessionAttrs expected) {
        ConnectionConfig config = ConnectionConfig.fromUrl("postgresql://app@a,b/shop?target_session_attrs=" + value
                + "&load_balance_hosts=random").build();

        assertThat(config.targetSessionAttrs()).isEqualTo(expected);
        assertThat(config.targetSessionAttrs().value()).isEqualTo(value);
        assertThat(config.loadBalanceHosts()).isTrue();
    }

    @ParameterizedTest
    @CsvSource({"any, ANY", "primary, PRIMARY", "master, PRIMARY", "secondary, STANDBY", "standby, STANDBY",
            "preferSecondary, PREFER_STANDBY", "preferStandby, PREFER_STANDBY", "preferPrimary, PREFER_PRIMARY"})
    void targetServerTypeInPgjdbcSpelling(String value, TargetSessionAttrs expected) {
        assertThat(ConnectionConfig.fromUrl("jdbc:postgresql://a,b/shop?user=app&targetServerType=" + value).build()
                .targetSessionAttrs()).isEqualTo(expected);
    }

    @Test
    void oneHostDefaultsToAnyServerSeveralToThePrimary() {
        assertThat(ConnectionConfig.fromUrl("postgresql://app@a/shop").build().targetSessionAttrs())
                .isEqualTo(TargetSessionAttrs.ANY);
        assertThat(ConnectionConfig.builder().user("app").hosts(List.of("a", "b")).build().targetSessionAttrs())
                .isEqualTo(TargetSessionAttrs.PRIMARY);
    }

    @Test
    void theBuilderPairsHostsAndPortsAsLibpqDoes() {
        ConnectionConfig config = ConnectionConfig.builder().user("app").hosts(List.of("a", "b")).ports(List.of(1, 2))
                .targetSessionAttrs(TargetSessionAttrs.STANDBY).build();

        assertThat(config.endpoints()).containsExactly(new Endpoint("a", 1), new Endpoint("b", 2));
        assertThat(config.toBuilder().build().endpoints()).isEqualTo(config.endpoints());
        assertThat(config.toBuilder().build().targetSessionAttrs()).isEqualTo(TargetSessionAttrs.STANDBY);
        assertThat(config.toString()).contains("hosts=[a:1, b:2]", "targetSessionAttrs=standby");
        assertThat(new Endpoint("::1", 5432)).hasToString("[::1]:5432");
        assertThatThrownBy(() -> ConnectionConfig.builder().user("app").hosts(List.of("a", "b", "c")).ports(List.of(1, 2)).build())
                .hasMessageContaining("could not match 2 port numbers to 3 hosts");
        assertThatThrownBy(() -> ConnectionConfig.builder().host("a,b"))
                .hasMessageContaining("give several hosts as a list");
    }

    @Test
    void libpqFallbackOfThePreferringKinds() {
        assertThat(TargetSessionAttrs.PREFER_STANDBY.accepts(true, true)).isTrue();
        assertThat(TargetSessionAttrs.PREFER_STANDBY.accepts(false, false)).isFalse();
        assertThat(TargetSessionAttrs.PREFER_STANDBY.fallsBackToAny()).isTrue();
        assertThat(TargetSessionAttrs.PRIMARY.fallsBackToAny()).isFalse();
        assertThat(TargetSessionAttrs.READ_WRITE.accepts(false, true)).isFalse(); // default_transaction_read_only on
        assertThat(TargetSessionAttrs.READ_ONLY.accepts(false, true)).isTrue();
        assertThat(TargetSessionAttrs.STANDBY.accepts(false, false)).isFalse();
    }
}
