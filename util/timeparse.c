#include "util/timeparse.h"

#include <ctype.h>
#include <string.h>
#include <time.h>

/* Reads exactly n digits at *p into *v and advances; false if any is not a
 * digit. n is small (<= 4), so the value cannot overflow. */
static bool digits(const char **p, int n, int *v)
{
	int x = 0;

	for (int i = 0; i < n; i++) {
		if (!isdigit((unsigned char)(*p)[i]))
			return false;
		x = x * 10 + ((*p)[i] - '0');
	}
	*p += n;
	*v = x;
	return true;
}

static bool is_leap(int y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static bool valid_fields(int y, int mo, int d, int h, int mi, int s)
{
	static const int mdays[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };

	if (y < 1601 || y > 9999 || mo < 1 || mo > 12 || d < 1)
		return false;
	if (d > mdays[mo - 1] + (mo == 2 && is_leap(y)))
		return false;
	return h <= 23 && mi <= 59 && s <= 59;
}

/* The values the product uses for "never": the Unix and DOS epochs, with
 * any time of day (the 1980 one drifts with the provider's zone), and the
 * FILETIME epoch. */
static bool is_placeholder(int y, int mo, int d)
{
	return mo == 1 && d == 1 && (y == 1970 || y == 1980 || y == 1601);
}

static enum owtime_status finish(int y, int mo, int d, int h, int mi, int s,
                                 int ms, int offset_min, bool offset_known,
                                 struct owtime *out)
{
	struct tm tm = { 0 };
	time_t t;

	if (!valid_fields(y, mo, d, h, mi, s))
		return OWTIME_INVALID;
	if (is_placeholder(y, mo, d))
		return OWTIME_UNSET;
	tm.tm_year = y - 1900;
	tm.tm_mon = mo - 1;
	tm.tm_mday = d;
	tm.tm_hour = h;
	tm.tm_min = mi;
	tm.tm_sec = s;
	t = timegm(&tm) - (time_t)offset_min * 60;
	/* The same day reached through a zone: "1970-01-02+05:30" is the epoch
	 * too. Deciding on the UTC day as well keeps every accepted value one
	 * that formats and parses back to itself. */
	if (offset_min != 0 && gmtime_r(&t, &tm) &&
	    is_placeholder(tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday))
		return OWTIME_UNSET;
	out->ms = (int64_t)t * 1000 + ms;
	out->offset_known = offset_known;
	return OWTIME_OK;
}

/* Fraction after the '.', up to 9 digits, kept to millisecond precision. */
static bool fraction(const char **p, int *ms)
{
	int n = 0, v = 0;

	while (isdigit((unsigned char)**p)) {
		if (n < 3)
			v = v * 10 + (**p - '0');
		n++;
		(*p)++;
	}
	if (n == 0 || n > 9)
		return false;
	for (int i = n; i < 3; i++)
		v *= 10;
	*ms = v;
	return true;
}

static enum owtime_status parse_iso(const char *p, struct owtime *out)
{
	int y, mo, d, h = 0, mi = 0, s = 0, ms = 0, off = 0;
	bool known = false;

	if (!digits(&p, 4, &y) || *p++ != '-' || !digits(&p, 2, &mo) ||
	    *p++ != '-' || !digits(&p, 2, &d))
		return OWTIME_INVALID;
	if (*p == 'T' || *p == ' ') {
		p++;
		if (!digits(&p, 2, &h) || *p++ != ':' || !digits(&p, 2, &mi))
			return OWTIME_INVALID;
		if (*p == ':') {
			p++;
			if (!digits(&p, 2, &s))
				return OWTIME_INVALID;
			if (*p == '.') {
				p++;
				if (!fraction(&p, &ms))
					return OWTIME_INVALID;
			}
		}
	}
	if (*p == 'Z' || *p == 'z') {
		known = true;
		p++;
	} else if (*p == '+' || *p == '-') {
		int sign = *p++ == '-' ? -1 : 1, oh, om;
		if (!digits(&p, 2, &oh))
			return OWTIME_INVALID;
		if (*p == ':')
			p++;
		if (!digits(&p, 2, &om) || oh > 14 || om > 59)
			return OWTIME_INVALID;
		off = sign * (oh * 60 + om);
		known = true;
	}
	if (*p != '\0')
		return OWTIME_INVALID;
	return finish(y, mo, d, h, mi, s, ms, off, known, out);
}

/* DMTF: yyyymmddHHMMSS.mmmmmmsUUU, where UUU is the offset in minutes or
 * "***" when WMI does not know it. */
static enum owtime_status parse_dmtf(const char *p, struct owtime *out)
{
	int y, mo, d, h, mi, s, us, off = 0;
	bool known = true;
	char sign;

	if (strlen(p) != 25)
		return OWTIME_INVALID;
	if (strcmp(p, "00000000000000.000000+000") == 0)
		return OWTIME_UNSET;
	if (!digits(&p, 4, &y) || !digits(&p, 2, &mo) || !digits(&p, 2, &d) ||
	    !digits(&p, 2, &h) || !digits(&p, 2, &mi) || !digits(&p, 2, &s) ||
	    *p++ != '.')
		return OWTIME_INVALID;
	us = 0;
	for (int i = 0; i < 6; i++, p++) {
		if (!isdigit((unsigned char)*p))
			return OWTIME_INVALID;
		us = us * 10 + (*p - '0');
	}
	sign = *p++;
	if (sign != '+' && sign != '-')
		return OWTIME_INVALID;
	if (strcmp(p, "***") == 0) {
		known = false;
	} else {
		if (!digits(&p, 3, &off) || off > 14 * 60)
			return OWTIME_INVALID;
		if (sign == '-')
			off = -off;
	}
	return finish(y, mo, d, h, mi, s, us / 1000, off, known, out);
}

enum owtime_status owtime_parse(const char *s, struct owtime *out)
{
	char tmp[64];
	size_t n;

	if (!s)
		return OWTIME_UNSET;
	while (isspace((unsigned char)*s))
		s++;
	n = strlen(s);
	while (n && isspace((unsigned char)s[n - 1]))
		n--;
	if (n == 0 || (n == 4 && strncmp(s, "null", 4) == 0))
		return OWTIME_UNSET;
	if (n >= sizeof tmp)
		return OWTIME_INVALID;
	memcpy(tmp, s, n);
	tmp[n] = '\0';
	if (n >= 15 && isdigit((unsigned char)tmp[4]) && tmp[14] == '.')
		return parse_dmtf(tmp, out);
	return parse_iso(tmp, out);
}

char *owtime_format(int64_t ms, char out[32])
{
	time_t t = (time_t)(ms >= 0 ? ms / 1000 : (ms - 999) / 1000);
	struct tm tm;

	if (!gmtime_r(&t, &tm) || strftime(out, 32, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
		strcpy(out, "?");
	return out;
}
