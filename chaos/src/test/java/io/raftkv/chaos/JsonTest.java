package io.raftkv.chaos;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class JsonTest {
    @Test
    void writesValuesAndEscapes() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("s", "a\"b\\c\n\u0001");
        m.put("n", 3);
        m.put("d", 1.5);
        m.put("whole", 2.0);
        m.put("nan", Double.NaN);
        m.put("t", true);
        m.put("null", null);
        m.put("list", Arrays.asList(1, "x", null));
        m.put("raw", new Json.Raw("\"unknown\""));
        assertEquals("{\"s\":\"a\\\"b\\\\c\\n\\u0001\",\"n\":3,\"d\":1.5,\"whole\":2,\"nan\":null,\"t\":true,\"null\":null,"
                + "\"list\":[1,\"x\",null],\"raw\":\"unknown\"}", Json.write(m));
    }

    @Test
    void prettyPrintsNestedStructures() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("a", List.of(1, 2));
        m.put("e", Map.of());
        assertEquals("{\n  \"a\": [\n    1,\n    2\n  ],\n  \"e\": {}\n}\n", Json.pretty(m));
    }
}
