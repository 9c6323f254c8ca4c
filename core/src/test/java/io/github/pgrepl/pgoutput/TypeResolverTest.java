package io.github.pgrepl.pgoutput;

import static io.github.pgrepl.pgoutput.Bin.dims;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.pgrepl.pgoutput.Messages.Col;
import io.github.pgrepl.pgoutput.internal.TypeResolver;

import java.util.Arrays;
import java.util.List;

import org.junit.jupiter.api.Test;

/**
 * Domains, enums and arrays of them, resolved from the catalog: a domain reads as its base type and an enum as text,
 * in text and in binary alike; an array of a type pgrepl does not know still gives element texts in binary.
 */
class TypeResolverTest {

    private static final int POSINT = 90_001;
    private static final int NESTED = 90_002;
    private static final int MOOD = 90_003;
    private static final int POSINT_ARRAY = 90_004;
    private static final int MOOD_ARRAY = 90_005;
    private static final int UNKNOWN = 90_006;
    private static final int UNKNOWN_ARRAY = 90_007;

    private static final TypeResolver CATALOG = TypeResolver.fromCatalog(List.of(
            List.of(String.valueOf(POSINT), "d", "23", "0"),
            List.of(String.valueOf(NESTED), "d", String.valueOf(POSINT), "0"),
            List.of(String.valueOf(MOOD), "e", "0", "0"),
            List.of(String.valueOf(POSINT_ARRAY), "b", "0", String.valueOf(POSINT)),
            List.of(String.valueOf(MOOD_ARRAY), "b", "0", String.valueOf(MOOD))));

    @Test
    void aDomainReadsAsItsBaseTypeInTextAndBinary() {
        for (int domain : new int[] {POSINT, NESTED}) {
            assertThat(row(CATALOG, domain, "42").getObject(0)).isEqualTo(42);
            assertThat(row(CATALOG, domain, Bin.int4(42)).getObject(0)).isEqualTo(42);
            assertThat(row(CATALOG, domain, Bin.int4(42)).getLong(0)).isEqualTo(42L);
            assertThat(row(CATALOG, domain, Bin.int4(42)).getString(0)).isEqualTo("42");
        }
    }

    @Test
    void anEnumReadsAsText() {
        assertThat(row(CATALOG, MOOD, "happy").getObject(0)).isEqualTo("happy");
        assertThat(row(CATALOG, MOOD, Bin.text("happy")).getObject(0)).isEqualTo("happy");
    }

    @Test
    void arraysOfDomainsAndEnumsNameTheirElementsByTheirOwnOids() {
        byte[] domains = Bin.array(POSINT, dims(2, 1), Bin.int4(1), null);
        byte[] enums = Bin.array(MOOD, dims(2, 1), Bin.text("happy"), Bin.text("sad"));

        assertThat(row(CATALOG, POSINT_ARRAY, domains).getList(0)).isEqualTo(Arrays.asList(1, null));
        assertThat(row(CATALOG, POSINT_ARRAY, "{1,NULL}").getList(0)).isEqualTo(Arrays.asList(1, null));
        assertThat(row(CATALOG, MOOD_ARRAY, enums).getList(0)).isEqualTo(List.of("happy", "sad"));
        assertThat(row(CATALOG, MOOD_ARRAY, enums).getString(0)).isEqualTo("{happy,sad}");
    }

    @Test
    void withoutTheCatalogADomainIsLeftAsText() {
        assertThat(row(TypeResolver.BUILT_IN, POSINT, "42").getObject(0)).isEqualTo("42");
        assertThat(row(TypeResolver.BUILT_IN, POSINT, "42").getInt(0)).isEqualTo(42);
        assertThatThrownBy(() -> row(TypeResolver.BUILT_IN, POSINT, Bin.int4(42)).getInt(0))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("text mode");
    }

    /** The binary form of an array names its element type: known elements give the texts text mode gives. */
    @Test
    void anArrayOfATypePgreplDoesNotKnowGivesElementTexts() {
        byte[] known = Bin.array(RowValuesTest.INT4, dims(2, 1), Bin.int4(1), Bin.int4(-2));
        byte[] unknown = Bin.array(UNKNOWN, dims(1, 1), new byte[] {1, 2});

        assertThat(row(CATALOG, UNKNOWN_ARRAY, known).getList(0)).isEqualTo(List.of("1", "-2"));
        assertThat(row(CATALOG, UNKNOWN_ARRAY, "{1,-2}").getList(0)).isEqualTo(List.of("1", "-2"));
        assertThat(row(CATALOG, UNKNOWN_ARRAY, unknown).getList(0)).isEqualTo(List.of("\\x0102"));
        assertThatThrownBy(() -> row(CATALOG, UNKNOWN_ARRAY, new byte[] {0, 0, 0, 9}).getList(0))
                .isInstanceOf(DecodeException.class);
    }

    private static Row row(TypeResolver types, int typeOid, Object value) {
        PgOutputDecoder decoder = new PgOutputDecoder(1, types);
        decoder.decode(Messages.relation(1, "public", "t", Col.of("v", typeOid)).buffer());
        return ((ChangeEvent.Insert) decoder.decode(Messages.insert(1, value).buffer())).newRow();
    }
}
