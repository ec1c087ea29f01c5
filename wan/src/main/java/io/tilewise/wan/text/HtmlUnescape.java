package io.tilewise.wan.text;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.math.BigInteger;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Python's {@code html.unescape}: numeric and named character references as the HTML5 parser reads them. Named
 * references come from the WHATWG table ({@code html5-entities.tsv}, including the legacy names without {@code ;}, and
 * the longest-prefix rule for those: {@code &notit;} reads as {@code ¬it;}). Numeric references: 0 → U+FFFD, 13 → CR,
 * 0x80..0x9F as windows-1252 (undefined bytes stay as the C1 control), surrogates and values above U+10FFFF → U+FFFD,
 * other control characters and non-characters removed.
 */
public final class HtmlUnescape {

    private static final Pattern REFERENCE = Pattern.compile("&(#[0-9]+;?|#[xX][0-9a-fA-F]+;?|[^\\t\\n\\f <&#;]{1,32};?)");
    private static final Map<String, String> NAMED = load();
    private static final Charset WINDOWS_1252 = Charset.forName("windows-1252");

    private HtmlUnescape() {
    }

    public static String unescape(String s) {
        if (s.indexOf('&') < 0) return s;
        Matcher m = REFERENCE.matcher(s);
        StringBuilder out = new StringBuilder(s.length());
        while (m.find()) m.appendReplacement(out, Matcher.quoteReplacement(replace(m.group(1))));
        m.appendTail(out);
        return out.toString();
    }

    private static String replace(String ref) {
        if (ref.charAt(0) == '#') {
            boolean hex = ref.length() > 1 && (ref.charAt(1) == 'x' || ref.charAt(1) == 'X');
            String digits = ref.substring(hex ? 2 : 1);
            if (digits.endsWith(";")) digits = digits.substring(0, digits.length() - 1);
            return numeric(new BigInteger(digits, hex ? 16 : 10));
        }
        String exact = NAMED.get(ref);
        if (exact != null) return exact;
        for (int x = ref.length() - 1; x > 1; x--) {
            String prefix = NAMED.get(ref.substring(0, x));
            if (prefix != null) return prefix + ref.substring(x);
        }
        return "&" + ref;
    }

    private static String numeric(BigInteger value) {
        if (value.bitLength() > 31) return "\uFFFD";
        int cp = value.intValue();
        if (cp == 0) return "\uFFFD";
        if (cp == 0x0D) return "\r";
        if (cp >= 0x80 && cp <= 0x9F) {
            String mapped = new String(new byte[] {(byte) cp}, WINDOWS_1252);
            return mapped.equals("\uFFFD") ? String.valueOf((char) cp) : mapped;
        }
        if ((cp >= 0xD800 && cp <= 0xDFFF) || cp > 0x10FFFF) return "\uFFFD";
        boolean control = (cp >= 0x1 && cp <= 0x8) || cp == 0xB || (cp >= 0xE && cp <= 0x1F) || cp == 0x7F;
        boolean nonCharacter = (cp >= 0xFDD0 && cp <= 0xFDEF) || (cp & 0xFFFE) == 0xFFFE;
        if (control || nonCharacter) return "";
        return Character.toString(cp);
    }

    private static Map<String, String> load() {
        Map<String, String> map = new HashMap<>();
        try (InputStream in = HtmlUnescape.class.getResourceAsStream("html5-entities.tsv")) {
            if (in == null) throw new IllegalStateException("html5-entities.tsv is missing from the classpath");
            BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
            for (String line; (line = r.readLine()) != null; ) {
                if (line.isEmpty() || line.startsWith("#")) continue;
                String[] parts = line.split("\t");
                StringBuilder value = new StringBuilder();
                for (String cp : parts[1].split(" ")) value.appendCodePoint(Integer.parseInt(cp, 16));
                map.put(parts[0], value.toString());
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return map;
    }

}
