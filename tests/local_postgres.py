"""A PostgreSQL server of Debian's packages on 127.0.0.1, for the Redshift SQL.

initdb refuses to run as root, so as root the server runs as the ``postgres``
user Debian's package makes, from a directory that user owns.
"""
import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile


def _bindir():
    found = sorted(glob.glob('/usr/lib/postgresql/*/bin/initdb'),
                   key=lambda p: int(p.split('/')[4]))
    if not found:
        raise RuntimeError('no PostgreSQL server here: apt-get install postgresql')
    return os.path.dirname(found[-1])


def free_port():
    """A TCP port on 127.0.0.1 that nothing listens on now."""
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        return s.getsockname()[1]


class PostgreSQL:
    def __init__(self):
        self.bin = _bindir()
        self.home = tempfile.mkdtemp(prefix='mrtally-postgres-')
        self.user = []
        if os.geteuid() == 0:
            owner = pwd.getpwnam('postgres')
            os.chown(self.home, owner.pw_uid, owner.pw_gid)
            self.user = ['runuser', '-u', 'postgres', '--']
        self.port = free_port()
        self.dsn = 'host=127.0.0.1 port=%d user=mrtally dbname=postgres' % self.port

    def _run(self, *command):
        subprocess.run(self.user + [os.path.join(self.bin, command[0]), *command[1:]],
                       check=True, capture_output=True, cwd=self.home)

    def start(self):
        data = os.path.join(self.home, 'data')
        self._run('initdb', '-D', data, '-U', 'mrtally', '--auth=trust', '-E', 'UTF8',
                  '--locale=C.UTF-8')
        # loopback only, its socket in its own directory; durability is not tested here
        self._run('pg_ctl', '-D', data, '-l', os.path.join(self.home, 'log'), '-w', 'start', '-o',
                  '-c listen_addresses=127.0.0.1 -p %d -k %s -c fsync=off' % (self.port, self.home))
        return self

    def stop(self):
        try:
            self._run('pg_ctl', '-D', os.path.join(self.home, 'data'), '-m', 'fast', '-w', 'stop')
        finally:
            shutil.rmtree(self.home, ignore_errors=True)
