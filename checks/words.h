/* Evidence and field values in the console's words: one table, shared by
 * the reports (text, Markdown, SARIF, HTML) and the console, so the CLI
 * and the screen say the same thing ("every interface", not "0").
 * Unknown fields are never dropped: they keep their own name and a
 * compact rendering of their value. */
#ifndef OW_CHECKS_WORDS_H
#define OW_CHECKS_WORDS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct chk_pair {
	char label[64];
	char value[240];
};

/* The evidence of a result (its compact JSON) as label/value pairs in the
 * console's words, in the order the evaluator wrote them; at most max.
 * Returns how many (0 when none or not JSON). A "policy" member becomes
 * the pair "policy <setting>" = "<value>". Values are raw text (not
 * escaped): each format escapes them its own way. now: for ages. */
size_t chk_evidence_pairs(const char *evidence_json, int64_t now, struct chk_pair *out, size_t max);

/* The same as one line, "label value, label value": a new string the
 * caller frees, NULL when out of memory ("" when there is no evidence).
 * Both read the text as a stream (no tree per finding: reports call them
 * for hundreds of thousands). */
char *chk_evidence_line(const char *evidence_json, int64_t now);
/* The same appended onto line (a caller's buffer, its text kept before
 * it): no string per call, for the writers that call it per finding.
 * *is_object: whether the text is a JSON object, found in the same pass
 * (for a writer that embeds the text as it is). False when out of memory
 * (line->failed); line is as it was when the evidence has no words. */
struct buf;
bool chk_evidence_line_onto(struct buf *line, const char *evidence_json, int64_t now,
                            bool *is_object);

/* Why a finding is what it is, in a few words: its evidence's "reason",
 * else the policy threshold it is over ("over the policy
 * assoc_released_max_days = 14"); "" when neither. Into out[n]. */
void chk_evidence_why(const char *evidence_json, char *out, size_t n);

/* The console's word for one field's value (e.g. "BindPolicy", "0" ->
 * "every interface"), or NULL when the table has none. Static storage. */
const char *chk_value_word(const char *field, const char *value);

#endif
