"""Turn mrtally job outputs into a report people open in a browser.

Reads the output directories of the jobs (local, S3 or HDFS, through mrjob's
filesystems) and writes to ``--out``: ``index.html`` (offline: no CDN, every
picture beside it), the pictures (PNG, and SVG where a picture is to be
scaled), one CSV per table, and ``summary.md``.

Sample command line:

    python -m jobs.report --words out/bill_word_freq --pages out/top_pages \
        --domains out/domain_views --hours out/hourly_views \
        --daily-hours out/daily_hourly_views --out out/report
"""
import argparse
import csv
import datetime
import html
import json
import os
import posixpath
import sys
import warnings
from collections import defaultdict

from jobs.pageviews import is_daily_file, title_for_people
from jobs.inputs import SUCCESS
from jobs.tally import RUN_RECORD

# pictures are the same for the same data
SEED = 42
TOP_WORDS_CHART = 25
# what a report can show, in its order, and the heading of each
KINDS = {'words': 'Words of Congress', 'pages': 'Top pages', 'domains': 'Views per domain',
         'hours': 'Views per hour', 'daily_hours': 'Views per hour, from daily files'}


class ReportError(Exception):
    """A report that cannot be made; the message says why."""


def progress(message):
    print('report: %s' % message, file=sys.stderr, flush=True)


def filesystem():
    """mrjob's filesystems, as a runner would combine them."""
    from mrjob.fs.composite import CompositeFilesystem
    from mrjob.fs.hadoop import HadoopFilesystem
    from mrjob.fs.local import LocalFilesystem
    from mrjob.fs.s3 import S3Filesystem
    fs = CompositeFilesystem()
    fs.add_fs('s3', S3Filesystem())
    fs.add_fs('hadoop', HadoopFilesystem())
    fs.add_fs('local', LocalFilesystem())
    return fs


def read_output(fs, directory):
    """The rows (lists of byte fields) of a job's output directory, in part
    file order, and its run record (a dict, empty if there is none)."""
    try:
        paths = sorted(fs.ls(directory))
    except (IOError, OSError) as e:
        raise ReportError('cannot read %s: %s' % (directory, e)) from None
    parts = [p for p in paths if posixpath.basename(p).startswith('part-')]
    if not parts:
        raise ReportError('no job output in %s (no part-* files)' % directory)
    if not any(posixpath.basename(p) == SUCCESS for p in paths):
        raise ReportError('%s has no %s: the job that wrote it did not finish' % (directory, SUCCESS))
    rows = []
    for part in parts:
        data = b''.join(fs.cat(part))
        rows.extend(line.split(b'\t') for line in data.split(b'\n') if line)
    record = {}
    records = [p for p in paths if posixpath.basename(p) == RUN_RECORD]
    if records:
        record = json.loads(b''.join(fs.cat(records[0])))
    return rows, record


# Tables: each is (title, columns, rows of cells), a cell being text or
# (text shown, raw text for the tooltip).

def word_table(rows, top):
    total = sum(int(count) for _, count in rows)
    table = []
    for rank, (word, count) in enumerate(rows[:top], 1):
        table.append([rank, word.decode('utf-8'), int(count), '%.2f%%' % (100.0 * int(count) / total)])
    return ('Top %d words' % min(top, len(rows)), ['rank', 'word', 'count', 'share of all counted words'], table)


def page_table(rows, top):
    table = []
    for rank, (domain, title, views) in enumerate(rows[:top], 1):
        raw = title.decode('utf-8', 'backslashreplace')
        table.append([rank, domain.decode('utf-8', 'backslashreplace'),
                      (title_for_people(title), raw), int(views)])
    return ('Top %d pages' % min(top, len(rows)), ['rank', 'domain', 'title', 'views'], table)


def domain_table(rows, top):
    table = [[rank, domain.decode('utf-8', 'backslashreplace'), int(views), int(titles)]
             for rank, (domain, views, titles) in enumerate(rows[:top], 1)]
    return ('Views per domain (top %d)' % min(top, len(rows)),
            ['rank', 'domain', 'views', 'distinct titles'], table)


def hour_table(rows, title='Views per hour'):
    per_hour = defaultdict(int)
    for hour, _, views in rows:
        per_hour[hour.decode()] += int(views)
    return (title, ['hour', 'views'], sorted([h, v] for h, v in per_hour.items()))


def mixes_daily_and_hourly(record):
    """Whether a run read both daily pageviews-complete files and others."""
    daily = [is_daily_file(p) for p in record.get('inputs', [])]
    return any(daily) and not all(daily)


def cell_text(cell):
    return cell[0] if isinstance(cell, tuple) else cell


def write_csv(path, table):
    _, columns, rows = table
    with open(path, 'w', newline='', encoding='utf-8') as f:
        writer = csv.writer(f)
        writer.writerow(columns)
        for row in rows:
            writer.writerow([cell_text(c) for c in row])


# Pictures

def _pyplot():
    import matplotlib
    matplotlib.use('Agg')
    import matplotlib.pyplot as plt
    return plt


def _save(fig, out, name):
    fig.savefig(os.path.join(out, name + '.png'), dpi=100, metadata={'Software': None})
    _pyplot().close(fig)
    return [name + '.png']


def _quiet_about_glyphs(draw):
    # Titles in scripts that matplotlib's font lacks (CJK, say) are drawn as
    # boxes; the tables beside the charts show them in full.
    def drawing(*args, **kwargs):
        with warnings.catch_warnings():
            warnings.filterwarnings('ignore', message='Glyph .* missing from font')
            warnings.filterwarnings('ignore', message='Matplotlib currently does not support')
            return draw(*args, **kwargs)
    return drawing


@_quiet_about_glyphs
def bar_chart(out, name, labels, values, title, xlabel):
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(10, max(3, 0.3 * len(labels) + 1)))
    positions = range(len(labels))
    ax.barh(positions, values, color='#3b6ea5')
    ax.set_yticks(list(positions), labels=[l if len(l) <= 40 else l[:39] + '…' for l in labels])
    ax.invert_yaxis()
    ax.set_title(title)
    ax.set_xlabel(xlabel)
    fig.tight_layout()
    return _save(fig, out, name)


@_quiet_about_glyphs
def line_chart(out, name, labels, values, title):
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(10, 4))
    ax.plot(range(len(labels)), values, marker='o', color='#3b6ea5')
    step = max(1, len(labels) // 12)
    ax.set_xticks(list(range(0, len(labels), step)), labels=labels[::step], rotation=45, ha='right')
    ax.set_title(title)
    ax.set_ylabel('views')
    fig.tight_layout()
    return _save(fig, out, name)


WORD_CLOUD_SIZE = (1200, 600)


def word_cloud(out, frequencies):
    from wordcloud import WordCloud
    cloud = WordCloud(width=WORD_CLOUD_SIZE[0], height=WORD_CLOUD_SIZE[1], random_state=SEED,
                      background_color='white', max_words=200, colormap='viridis')
    cloud.generate_from_frequencies(frequencies)
    cloud.to_file(os.path.join(out, 'word_cloud.png'))
    with open(os.path.join(out, 'word_cloud.svg'), 'w', encoding='utf-8') as f:
        f.write(cloud.to_svg(embed_font=False))
    return ['word_cloud.png', 'word_cloud.svg']


# The page

CSS = '''
body { font-family: sans-serif; max-width: 1100px; margin: 2em auto; color: #222; }
table { border-collapse: collapse; margin: 1em 0; }
th, td { border: 1px solid #ccc; padding: 0.2em 0.6em; text-align: left; }
td.n { text-align: right; font-variant-numeric: tabular-nums; }
img { max-width: 100%; }
.source { font-size: 0.9em; color: #555; }
'''


def html_table(table, csv_name):
    title, columns, rows = table
    out = ['<h3>%s</h3>' % html.escape(title),
           '<p><a href="%s">%s</a></p>' % (csv_name, html.escape(csv_name)), '<table>',
           '<tr>%s</tr>' % ''.join('<th>%s</th>' % html.escape(c) for c in columns)]
    for row in rows:
        cells = []
        for cell in row:
            if isinstance(cell, tuple):
                cells.append('<td title="%s">%s</td>' % (html.escape(cell[1]), html.escape(cell[0])))
            elif isinstance(cell, int):
                cells.append('<td class="n">%s</td>' % format(cell, ','))
            else:
                cells.append('<td>%s</td>' % html.escape(str(cell)))
        out.append('<tr>%s</tr>' % ''.join(cells))
    out.append('</table>')
    return '\n'.join(out)


def source_html(directory, record):
    lines = ['<div class="source"><p>From <code>%s</code>' % html.escape(directory)]
    if record:
        lines[0] += ', the output of <code>%s</code> (%s runner), finished %s' % (
            html.escape(record.get('job', '?')), html.escape(record.get('runner', '?')),
            html.escape(record.get('finished', '?')))
        lines.append('<p>Inputs: %s</p>' % ', '.join(
            '<code>%s</code>' % html.escape(p) for p in record.get('inputs', [])))
        counters = [(group, name, n) for group, names in record.get('counters', {}).items()
                    if not group.startswith('file ') for name, n in names.items()]
        if counters:
            lines.append('<p>Counters: %s</p>' % '; '.join(
                '%s: %s %s' % (html.escape(g), html.escape(name), format(n, ','))
                for g, name, n in counters))
        for skipped in record.get('skipped_files', []):
            lines.append('<p>Skipped damaged input <code>%s</code>: %s</p>' % (
                html.escape(skipped['path']), html.escape(skipped['damage'])))
    else:
        lines[0] += ' (no run record: inputs and counters unknown)'
    lines.append('</div>')
    return '\n'.join(lines)


def source_markdown(directory, record):
    if not record:
        return 'From `%s` (no run record).' % directory
    counters = ', '.join('%s %s' % (name, n) for group, names in record.get('counters', {}).items()
                         if not group.startswith('file ') for name, n in names.items())
    return 'From `%s`, the output of `%s` over %d input(s), finished %s. Counters: %s.' % (
        directory, record.get('job'), len(record.get('inputs', [])), record.get('finished'), counters)


def markdown_table(table, top=10):
    title, columns, rows = table
    lines = ['**%s**' % title, '', '| %s |' % ' | '.join(columns),
             '|%s|' % '|'.join('---' for _ in columns)]
    for row in rows[:top]:
        lines.append('| %s |' % ' | '.join(str(cell_text(c)).replace('|', '\\|') for c in row))
    return '\n'.join(lines)


def build(sources, out, top):
    """Write the report for ``sources`` (a dict of kind -> directory) into
    ``out``; return the path of index.html."""
    fs = filesystem()
    os.makedirs(out, exist_ok=True)
    sections, markdown = [], ['# mrtally report', '']
    for kind in KINDS:
        directory = sources.get(kind)
        if not directory:
            continue
        progress('reading %s from %s' % (kind, directory))
        rows, record = read_output(fs, directory)
        progress('%d rows' % len(rows))
        heading = KINDS[kind]
        parts = ['<h2>%s</h2>' % heading, source_html(directory, record)]
        markdown += ['## ' + heading, '', source_markdown(directory, record), '']
        if kind in ('hours', 'daily_hours') and mixes_daily_and_hourly(record):
            note = ('These views sum hourly dumps and daily pageviews-complete files: the hours'
                    ' both cover count twice. Run mr_hourly_views on each kind apart.')
            parts.append('<p><strong>%s</strong></p>' % note)
            markdown += [note, '']
        if not rows:
            parts.append('<p><strong>The job output is empty: nothing to show.</strong></p>')
            markdown += ['The job output is empty: nothing to show.', '']
            sections.append('\n'.join(parts))
            continue

        pictures = []
        if kind == 'words':
            table = word_table(rows, top)
            progress('drawing the word cloud')
            pictures += word_cloud(out, {w.decode('utf-8'): int(c) for w, c in rows})
            top_rows = table[2][:TOP_WORDS_CHART]
            pictures += bar_chart(out, 'top_words', [r[1] for r in top_rows], [r[2] for r in top_rows],
                                  'Top %d words' % len(top_rows), 'count')
        elif kind == 'pages':
            table = page_table(rows, top)
            chart_rows = table[2][:TOP_WORDS_CHART]
            pictures += bar_chart(out, 'top_pages',
                                  ['%s: %s' % (r[1], r[2][0]) for r in chart_rows],
                                  [r[3] for r in chart_rows], 'Most viewed pages', 'views')
        elif kind == 'domains':
            table = domain_table(rows, top)
            chart_rows = table[2][:TOP_WORDS_CHART]
            pictures += bar_chart(out, 'domains', [r[1] for r in chart_rows], [r[2] for r in chart_rows],
                                  'Views per domain', 'views')
        else:
            table = hour_table(rows, heading)
            pictures += line_chart(out, kind, [r[0] for r in table[2]], [r[1] for r in table[2]],
                                   heading)
        progress('drew %s' % ', '.join(pictures))
        csv_name = kind + '.csv'
        write_csv(os.path.join(out, csv_name), table)
        for picture in pictures:
            if picture.endswith('.png'):
                parts.append('<p><img src="%s" alt="%s"></p>' % (picture, html.escape(table[0])))
            else:
                parts.append('<p><a href="%s">%s (SVG)</a></p>' % (picture, picture))
        parts.append(html_table(table, csv_name))
        markdown += [markdown_table(table), '', 'All rows: `%s`.' % csv_name, '']
        sections.append('\n'.join(parts))

    made = datetime.datetime.now(datetime.timezone.utc).isoformat(timespec='seconds')
    page = ['<!DOCTYPE html>', '<html lang="en"><head><meta charset="utf-8">',
            '<title>mrtally report</title><style>%s</style></head><body>' % CSS,
            '<h1>mrtally report</h1>', '<p class="source">Made %s by <code>python -m jobs.report</code>.</p>'
            % made, *sections, '</body></html>']
    index = os.path.join(out, 'index.html')
    with open(index, 'w', encoding='utf-8') as f:
        f.write('\n'.join(page))
    markdown.insert(1, 'Made %s.' % made)
    with open(os.path.join(out, 'summary.md'), 'w', encoding='utf-8') as f:
        f.write('\n'.join(markdown) + '\n')
    progress('wrote %s' % index)
    return index


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--words', metavar='DIR', help='output of mr_bill_word_freq')
    parser.add_argument('--pages', metavar='DIR', help='output of mr_top_pages or mr_page_views')
    parser.add_argument('--domains', metavar='DIR', help='output of mr_domain_views')
    parser.add_argument('--hours', metavar='DIR', help='output of mr_hourly_views over hourly dumps')
    parser.add_argument('--daily-hours', metavar='DIR',
                        help='output of mr_hourly_views over daily pageviews-complete files,'
                             ' drawn apart from --hours')
    parser.add_argument('--top', type=int, default=50, help='rows in each table (default 50)')
    parser.add_argument('--out', default='out/report', help='where to write the report')
    opts = parser.parse_args(argv)
    sources = {k: getattr(opts, k) for k in KINDS if getattr(opts, k)}
    if not sources:
        parser.error('name at least one job output (%s)'
                     % ', '.join('--' + k.replace('_', '-') for k in KINDS))
    try:
        build(sources, opts.out, opts.top)
    except ReportError as e:
        sys.exit('report: error: %s' % e)


if __name__ == '__main__':
    main()
