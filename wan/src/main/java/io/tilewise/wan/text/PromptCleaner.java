package io.tilewise.wan.text;

import java.util.regex.Pattern;

/**
 * WanPipeline's {@code prompt_clean}: {@code whitespace_clean(basic_clean(text))}, where {@code basic_clean} is
 * {@code ftfy.fix_text} (only when ftfy is installed) then {@code html.unescape} twice and {@code strip()}, and
 * {@code whitespace_clean} replaces every run of whitespace ({@code regex}'s Unicode {@code \s}) by one space and
 * strips again.
 *
 * <p>ftfy: there is no ftfy for Java, so this is diffusers' behaviour <em>without</em> ftfy installed (ftfy is an
 * optional dependency of diffusers). Where ftfy is installed, {@code fix_text} also repairs mojibake, straightens
 * curly quotes, expands ligatures, narrows full-width characters, removes terminal escapes and normalises to NFC;
 * prompts that contain any of those can tokenize differently there. Plain prompts are unchanged by ftfy.
 */
public final class PromptCleaner {

    /** The {@code regex} module's {@code \s} on str patterns: the Unicode White_Space property. */
    private static final Pattern WHITESPACE = Pattern.compile("\\s+", Pattern.UNICODE_CHARACTER_CLASS);

    private PromptCleaner() {
    }

    public static String clean(String text) {
        return whitespaceClean(basicClean(text));
    }

    static String basicClean(String text) {
        return pythonStrip(HtmlUnescape.unescape(HtmlUnescape.unescape(text)));
    }

    static String whitespaceClean(String text) {
        return pythonStrip(WHITESPACE.matcher(text).replaceAll(" "));
    }

    /**
     * Python's {@code str.strip()}: removes the characters {@code str.isspace()} accepts — bidirectional class WS, B or
     * S, or general category Zs. Java's {@code String.strip()} differs (it keeps U+00A0 and U+202F, for example).
     */
    static String pythonStrip(String s) {
        int begin = 0;
        int end = s.length();
        while (begin < end && pythonSpace(s.codePointAt(begin))) begin += Character.charCount(s.codePointAt(begin));
        while (end > begin && pythonSpace(s.codePointBefore(end))) end -= Character.charCount(s.codePointBefore(end));
        return s.substring(begin, end);
    }

    static boolean pythonSpace(int cp) {
        byte dir = Character.getDirectionality(cp);
        return Character.getType(cp) == Character.SPACE_SEPARATOR || dir == Character.DIRECTIONALITY_WHITESPACE
                || dir == Character.DIRECTIONALITY_PARAGRAPH_SEPARATOR || dir == Character.DIRECTIONALITY_SEGMENT_SEPARATOR;
    }
}
