/* time.diff(t1, t2): calendar difference [years, months, days, hours, minutes, seconds] between
 * two ns timestamps (or [ns, tz] pairs), computed like OPA (order-independent, borrowing from
 * the earlier date's month length). UTC only: OPA converts t2 into t1's zone, so t1's tz must be
 * "", "UTC" or "Local" (taken as UTC; else undefined); t2's zone does not change the result, any
 * IANA-looking name is accepted for it (names are not checked against a tz database). */
#include "wb_common.h"

static bool str_is(opa_string_t *s, const char *lit) {
  uint32_t n = wb_strlen(lit);
  if (s->len != n) return false;
  for (uint32_t i = 0; i < n; i++) if (s->data[i] != lit[i]) return false;
  return true;
}

static bool iana_like(opa_string_t *s) {
  if (s->len == 0 || s->data[0] == '/' || s->data[s->len - 1] == '/') return false;
  for (uint32_t i = 0; i < s->len; i++) {
    char c = s->data[i];
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '/' || c == '_' || c == '-' || c == '+';
    if (!ok) return false;
  }
  return true;
}

static bool tz_time(opa_value *v, int64_t *ns, bool any_zone) {
  if (!v) return false;
  if (v->type == OPA_ARRAY) {
    /* [ns], [ns, tz] or [ns, tz, layout] (the layout does not matter here), as OPA accepts */
    opa_array_t *a = (opa_array_t *)v;
    if (a->len == 0 || a->len > 3) return false;
    if (a->len >= 2) {
      opa_string_t *tz = wb_as_str(a->elems[1]);
      if (!tz) return false;
      bool utc = tz->len == 0 || str_is(tz, "UTC") || str_is(tz, "Local");
      if (!utc && !(any_zone && iana_like(tz))) return false;
    }
    if (a->len == 3 && !wb_as_str(a->elems[2])) return false;
    v = a->elems[0];
  }
  if (v->type != OPA_NUMBER) return false;
  return opa_number_as_int64(v, ns);
}

typedef struct { int64_t y; int mo, d, h, mi, s; } civil;

/* days since 1970-01-01 -> proleptic Gregorian date (Howard Hinnant's algorithm) */
static void civil_from_days(int64_t z, int64_t *y, int *m, int *d) {
  z += 719468;
  int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  int64_t doe = z - era * 146097;
  int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  int64_t yy = yoe + era * 400;
  int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  int64_t mp = (5 * doy + 2) / 153;
  *d = (int)(doy - (153 * mp + 2) / 5 + 1);
  *m = (int)(mp < 10 ? mp + 3 : mp - 9);
  *y = yy + (*m <= 2);
}

static civil to_civil(int64_t ns) {
  int64_t secs = ns / 1000000000;
  if (ns % 1000000000 < 0) secs--;   /* floor */
  int64_t days = secs / 86400, rem = secs % 86400;
  if (rem < 0) { rem += 86400; days--; }
  civil c;
  civil_from_days(days, &c.y, &c.mo, &c.d);
  c.h = (int)(rem / 3600); c.mi = (int)(rem % 3600 / 60); c.s = (int)(rem % 60);
  return c;
}

static int days_in_month(int64_t y, int m) {
  static const int dm[12] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
  if (m == 2 && ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0)) return 29;
  return dm[m - 1];
}

WRIT_EXPORT("wb_time_diff") opa_value *wb_time_diff(opa_value *a, opa_value *b) {
  int64_t t1, t2;
  if (!tz_time(a, &t1, false) || !tz_time(b, &t2, true)) return 0;
  if (t1 > t2) { int64_t t = t1; t1 = t2; t2 = t; }
  civil c1 = to_civil(t1), c2 = to_civil(t2);
  int64_t year = c2.y - c1.y;
  int64_t month = c2.mo - c1.mo, day = c2.d - c1.d, hour = c2.h - c1.h, min = c2.mi - c1.mi, sec = c2.s - c1.s;
  if (sec < 0) { sec += 60; min--; }
  if (min < 0) { min += 60; hour--; }
  if (hour < 0) { hour += 24; day--; }
  if (day < 0) { day += days_in_month(c1.y, c1.mo); month--; }
  if (month < 0) { month += 12; year--; }
  opa_value *out = opa_array_with_cap(6);
  opa_array_append(out, opa_number_int(year));
  opa_array_append(out, opa_number_int(month));
  opa_array_append(out, opa_number_int(day));
  opa_array_append(out, opa_number_int(hour));
  opa_array_append(out, opa_number_int(min));
  opa_array_append(out, opa_number_int(sec));
  return out;
}
