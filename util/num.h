/* Whole decimal numbers from text, range-checked. */
#ifndef OW_UTIL_NUM_H
#define OW_UTIL_NUM_H

/* 0 and *out when s is a whole number in [min, max], else -1. */
int num_parse_long(const char *s, long min, long max, long *out);

#endif
