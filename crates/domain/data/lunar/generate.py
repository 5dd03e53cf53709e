"""Computes the lunar-year table in src/lunar.rs (2020-2100) from the astronomy alone.

Needs PyEphem (`pip install ephem`, VSOP87, no download). In Beijing time (UTC+8): the month
holding the winter solstice is the 11th; a suì (solstice to solstice) of 13 months has a leap
month, the first one without a principal solar term (中气). Prints, per Gregorian year:
正月初一, the leap month (0: none), the months' lengths in order (1 = 30 days) and the day of
清明 in April. `python3 generate.py | python3 generate.py --rust` gives the Rust table.

Cross-checked against the table most lunar-calendar code carries (1900-2100, the 2033 leap
month corrected to 闰十一月): identical for 2020-2100 except where 七月 of 2097 begins
(a new moon near midnight), which moves no holiday.
"""
import sys
if len(sys.argv) > 1 and sys.argv[1] == '--rust':
    import datetime
    vals = []
    for line in sys.stdin:
        y, nd, lm, bits, _ = line.split()
        off = (datetime.date.fromisoformat(nd) - datetime.date(int(y), 1, 21)).days
        v = sum(1 << i for i, b in enumerate(bits) if b == '1') | int(lm) << 13 | off << 17
        vals.append(v)
    for i in range(0, len(vals), 8):
        print('    ' + ' '.join('0x%06x,' % v for v in vals[i:i + 8]))
    sys.exit()
import ephem, datetime
H = ephem.hour
def bj_date(t):
    return ephem.Date(t + 8*H).datetime().date()
def bj_midnight(d):
    # ephem date of Beijing midnight starting date d
    return ephem.Date(datetime.datetime(d.year, d.month, d.day)) - 8*H
def sun_lon(t):
    s = ephem.Sun(); s.compute(t, epoch=t)
    e = ephem.Ecliptic(ephem.Equatorial(s.g_ra, s.g_dec, epoch=t), epoch=t)
    return float(e.lon) * 180 / 3.141592653589793
# all new moons' Beijing dates from 2016 to 2103
nm = []
t = ephem.Date('2016/1/1')
while t < ephem.Date('2103/1/1'):
    t = ephem.next_new_moon(t)
    nm.append(bj_date(t))
    t = ephem.Date(t + 1)
def ws_date(y):
    return bj_date(ephem.next_solstice(ephem.Date(f'{y}/12/1')))
def has_zhongqi(a, b):
    la, lb = sun_lon(bj_midnight(a)), sun_lon(bj_midnight(b))
    return int(la // 30) != int(lb // 30)
months = []  # (start_date, number, leap)
for y in range(2016, 2102):
    w0, w1 = ws_date(y), ws_date(y + 1)
    i0 = max(i for i, d in enumerate(nm) if d <= w0)
    i1 = max(i for i, d in enumerate(nm) if d <= w1)
    n = i1 - i0
    assert n in (12, 13), (y, n)
    num, leap_done = 11, False
    for k in range(i0, i1):
        a, b = nm[k], nm[k + 1]
        if k == i0:
            months.append((a, 11, False)); continue
        if n == 13 and not leap_done and not has_zhongqi(a, b):
            leap_done = True
            months.append((a, num, True)); continue
        num = num % 12 + 1
        months.append((a, num, False))
months.sort()
# lunar years
out = {}
for i, (d, num, leap) in enumerate(months):
    if num == 1 and not leap and 2020 <= d.year <= 2100:
        j = i + 1
        lens, leapm = [], 0
        while not (months[j][1] == 1 and not months[j][2]):
            j += 1
        for k in range(i, j):
            lens.append((months[k + 1][0] - months[k][0]).days)
            if months[k][2]:
                leapm = months[k][1]
        out[d.year] = (d, lens, leapm)
qm = {}
for y in range(2020, 2101):
    for day in range(3, 8):
        a = datetime.date(y, 4, day)
        if sun_lon(bj_midnight(a)) < 15 <= sun_lon(bj_midnight(a + datetime.timedelta(1))):
            qm[y] = day
for y in sorted(out):
    d, lens, leapm = out[y]
    print(y, d.isoformat(), leapm, ''.join('1' if l == 30 else '0' for l in lens), qm[y])
