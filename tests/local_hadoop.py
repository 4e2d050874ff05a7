"""Real Hadoop for the tests, from what `make hadoop` put in .hadoop/: the
launcher (local mode: LocalJobRunner over file:///), and a MiniDFSCluster on
127.0.0.1, started once per test run."""
import os
import shutil
import socket
import subprocess
import time

from conftest import ROOT

HOME = ROOT / '.hadoop'
HADOOP = HOME / 'bin' / 'hadoop'
STREAMING_JAR = HOME / 'lib' / 'hadoop-streaming.jar'
LOCAL_CONF = ROOT / 'emr' / 'hadoop-local.conf'


def hadoop_args(*more):
    """mrjob switches for -r hadoop: the project's own local-mode config."""
    return ['-c', str(LOCAL_CONF), *more]


def hadoop(*args, **kwargs):
    """Run the launcher; a CompletedProcess with bytes output."""
    return subprocess.run([str(HADOOP), *map(str, args)], capture_output=True, **kwargs)


def free_port():
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        return s.getsockname()[1]


def write_site(conf_dir, properties):
    """A Hadoop conf directory: the launcher's, with core-site.xml set to ``properties``."""
    shutil.copytree(HOME / 'conf', conf_dir, dirs_exist_ok=True)
    items = ''.join('  <property><name>%s</name><value>%s</value></property>\n' % kv
                    for kv in properties.items())
    (conf_dir / 'core-site.xml').write_text(
        '<?xml version="1.0"?>\n<configuration>\n%s</configuration>\n' % items)
    return conf_dir


class MiniDFS:
    """Hadoop's MiniDFSCluster (one NameNode, one DataNode) in a JVM of its own,
    every port on 127.0.0.1; ``url`` is its ``hdfs://`` root."""

    def __init__(self, base):
        self.base = base
        self.port = free_port()
        self.url = 'hdfs://127.0.0.1:%d' % self.port
        self._proc = None

    def start(self, timeout=60):
        self.base.mkdir(parents=True, exist_ok=True)
        site = self.base / 'site.xml'
        classpath = hadoop('classpath', check=True).stdout.decode().strip()
        self._log = open(self.base / 'minidfs.log', 'wb')
        # the DataNode refuses directories whose mode is not what it makes them with
        old_umask = os.umask(0o022)
        try:
            self._proc = subprocess.Popen(
                ['java', '-XX:+UseSerialGC', '-cp', classpath,
                 '-Dhadoop.root.logger=WARN,console',
                 '-Dlog4j.configuration=file:%s' % (HOME / 'conf' / 'log4j.properties'),
                 'org.apache.hadoop.test.MiniDFSClusterManager', '-format',
                 '-nnport', str(self.port), '-httpport', str(free_port()), '-datanodes', '1',
                 '-D', 'hdfs.minidfs.basedir=%s' % (self.base / 'data'),
                 '-writeConfig', str(site)],
                stdin=subprocess.DEVNULL, stdout=self._log, stderr=subprocess.STDOUT)
        finally:
            os.umask(old_umask)
        deadline = time.monotonic() + timeout
        while not (site.exists() and site.stat().st_size):  # written once it serves
            if self._proc.poll() is not None or time.monotonic() > deadline:
                self.stop()
                raise RuntimeError('MiniDFSCluster did not start: see %s' % self._log.name)
            time.sleep(0.2)
        return self

    def stop(self):
        if self._proc and self._proc.poll() is None:
            self._proc.terminate()
            try:
                self._proc.wait(30)
            except subprocess.TimeoutExpired:
                self._proc.kill()
                self._proc.wait()
        self._log.close()

    def put(self, local, path):
        """Copy local files into the directory ``path`` (made if need be); its URL."""
        url = self.url + path
        hadoop('fs', '-mkdir', '-p', url, check=True)
        hadoop('fs', '-put', *local, url, check=True)
        return url

    def cat(self, url):
        return hadoop('fs', '-cat', url, check=True).stdout
