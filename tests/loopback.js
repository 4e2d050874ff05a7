// Loaded with `node --require` before kinesis-mock, which binds 0.0.0.0 and has no
// option to do otherwise: every server it starts listens on 127.0.0.1 instead.
const net = require('net');
const listen = net.Server.prototype.listen;
net.Server.prototype.listen = function (...args) {
  if (typeof args[0] === 'object' && args[0] !== null) {
    args[0] = Object.assign({}, args[0], { host: '127.0.0.1' });
  } else if (typeof args[1] === 'string') {
    args[1] = '127.0.0.1';
  } else {
    args.splice(1, 0, '127.0.0.1');
  }
  return listen.apply(this, args);
};
