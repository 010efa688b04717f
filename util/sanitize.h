/* Makes any string from the network safe to print on a terminal or in a
 * text report. Nothing is interpreted and nothing is silently dropped:
 *   C0 controls and DEL      -> caret form       ESC -> ^[   BEL -> ^G
 *   C1 controls, bidi and    -> <U+XXXX>         U+202E -> <U+202E>
 *   invisible format chars
 *   bytes that are not UTF-8 -> \xNN             0xFF -> \xFF
 * ESC/CSI/OSC sequences are thereby shown, not executed: no terminal acts on
 * a sequence whose introducer is printed as text. */
#ifndef OW_UTIL_SANITIZE_H
#define OW_UTIL_SANITIZE_H

#include <stddef.h>

#include "util/buf.h"

enum {
	SAN_ASCII = 1 << 0,        /* also escape every non-ASCII code point */
	SAN_KEEP_NEWLINE = 1 << 1, /* let \n through (pagers, multi-line text) */
};

/* Appends the safe form of s[0..len) to out. max_chars bounds the output in
 * characters (0 = no bound); a cut string ends in "…" ("..." with
 * SAN_ASCII) within the bound. */
void san_append(struct buf *out, const char *s, size_t len, size_t max_chars,
                unsigned flags);

/* The same, into a new string the caller frees; NULL only when out of
 * memory. s == NULL gives "". */
char *san_str(const char *s, size_t max_chars, unsigned flags);

/* Decodes one strict UTF-8 sequence (no overlongs, surrogates or values
 * above U+10FFFF). Returns its length in bytes and stores the code point,
 * or returns 0 when s[0..len) does not start with a valid sequence. */
size_t san_utf8_decode(const unsigned char *s, size_t len, unsigned *cp);

#endif
