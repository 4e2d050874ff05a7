"""The top N keys of counts split over map tasks, without summing every key.

Each of at most ``tasks`` map tasks has partial counts of its own keys. Let
``bar`` be the N-th largest count one task holds (0 if it holds fewer than
N keys): N keys have totals of at least ``bar``, so every key of the top N
has a total of at least every task's bar. Such a key gets at least a
``1/tasks`` share of its total from one task, where it is *heavy*:
``count * tasks >= bar`` (the bound of TPUT's first round, Cao and Wang 2004).

So a task sends its heavy keys as plain rows and the rest, which are most of
them, as *light* records that a reducer only looks into for the keys some
task found heavy: their totals are exact, and every key of the top N is among
them. A light record is ``LIGHT keys LIGHT counts``, the keys joined by
rows.SEP, the counts by spaces, so that finding the few keys wanted is a
split and a set lookup per key, all in C.
"""
import heapq
from itertools import compress

from jobs.rows import SEP

__all__ = ['LIGHT', 'bar', 'take_heavy', 'light_record', 'add_light_counts']

# a control byte, which no key holds, and no row starts with
LIGHT = b'\x1f'


def bar(counts, n):
    """The n-th largest of ``counts``, or 0 if there are fewer."""
    largest = heapq.nlargest(n, counts)
    return largest[-1] if len(largest) == n else 0


def take_heavy(views, n, tasks):
    """Take the heavy keys out of ``views`` ({key: count}) of one of at most
    ``tasks`` map tasks, and return them (as a dict); the light keys stay.
    The heavy keys include every key of the top n that this task holds a
    large enough share of to be sure of it."""
    least = bar(views.values(), n)
    heavy = {key: count for key, count in views.items() if count * tasks >= least}
    for key in heavy:
        del views[key]
    return heavy


def light_record(keys, counts):
    """One light record of ``keys`` and their ``counts`` (in step)."""
    return LIGHT + SEP.join(keys) + LIGHT + b' '.join(map(b'%d'.__mod__, counts))


def add_light_counts(totals, records):
    """Add to ``totals`` ({key: count}, in place) the counts that the light
    ``records`` hold for its keys; the records' other keys are left out."""
    for record in records:
        _, keys, counts = record.split(LIGHT)
        keys = keys.split(SEP)
        found = list(compress(range(len(keys)), map(totals.__contains__, keys)))
        if found:
            counts = counts.split(b' ')
            for i in found:
                totals[keys[i]] += int(counts[i])
    return totals
