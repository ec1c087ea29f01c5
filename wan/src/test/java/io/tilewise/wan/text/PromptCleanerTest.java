package io.tilewise.wan.text;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * WanPipeline's {@code prompt_clean} without ftfy. Expected strings were produced by CPython 3.11's {@code html.unescape}
 * and the {@code regex} module running diffusers' {@code basic_clean}/{@code whitespace_clean} (an independent
 * implementation), and are fixed here.
 */
class PromptCleanerTest {

    @Test
    void whitespaceRunsBecomeOneSpaceAndEndsAreStripped() {
        assertEquals("a blue cat on the grass", PromptCleaner.clean("  a\u00a0 blue\t\ncat\u3000on the grass \u2029"));
        assertEquals("cat dog bird", PromptCleaner.clean("cat &#x20; dog &nbsp; bird"));
    }

    @Test
    void stripUsesPythonsIsspaceNotRegexWhitespace() {
        // U+001C..U+001F are not White_Space (regex keeps them) but str.strip() removes them
        assertEquals("fish", PromptCleaner.clean("\u001cfish\u001f"));
        assertEquals("\u200bcat\u200b", PromptCleaner.clean("\u200bcat\u200b"));
    }

    @Test
    void htmlIsUnescapedTwice() {
        assertEquals("& <b> 'x' AB", PromptCleaner.clean("&amp;amp; &lt;b&gt; &#39;x&#39; &#x41;&#X42;"));
    }

    @Test
    void html5ReferenceRules() {
        assertEquals("\u00acit; \u2209 & &x &bogus; \uFFFD z \u20ac\u0081 \uFFFD \uFFFD q",
                PromptCleaner.clean("&notit; &notin; &amp &ampx &bogus; &#0; &#1;z &#128;&#129; &#x110000; &#xD800; &#xFFFF;q &#13;"));
        assertEquals("&\u00c1\u00e1\uFFFD", PromptCleaner.clean("&AMP;&Aacute&aacute;&#9999999999999999999;"));
    }

    @Test
    void whitespaceClassIsUnicodeWhiteSpaceAsTheRegexModuleHasIt() {
        // regex 2026.5.9: [c for c in range(0x110000) if regex.match(r'\s', chr(c))]
        List<Integer> expected = new ArrayList<>(List.of(0x9, 0xa, 0xb, 0xc, 0xd, 0x20, 0x85, 0xa0, 0x1680));
        for (int c = 0x2000; c <= 0x200a; c++) expected.add(c);
        expected.addAll(List.of(0x2028, 0x2029, 0x202f, 0x205f, 0x3000));
        Pattern ws = Pattern.compile("\\s", Pattern.UNICODE_CHARACTER_CLASS);
        List<Integer> got = new ArrayList<>();
        for (int c = 0; c <= 0x10FFFF; c++) if (ws.matcher(Character.toString(c)).matches()) got.add(c);
        assertEquals(expected, got);
        assertEquals("a b", PromptCleaner.whitespaceClean("a\u001c\u2007b").replace("\u001c", ""));
    }
}
