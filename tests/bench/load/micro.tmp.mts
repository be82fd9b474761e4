import { createSocket } from 'node:dgram';
import { fork } from 'node:child_process';
const SOCKETS = 40, PPS = 4500, SECONDS = 5;
if (process.argv[2] === 'recv') {
  const ports: number[] = []; let got = 0;
  for (let i = 0; i < SOCKETS; i++) { const s = createSocket({ type: 'udp4', recvBufferSize: 2 << 20 }); s.on('message', (m) => { got += m.length > 0 ? 1 : 0; }); await new Promise<void>(r => s.bind(0, '127.0.0.1', () => r())); ports.push(s.address().port); }
  process.send!(ports);
  process.on('message', () => { const t = process.cpuUsage(); setTimeout(() => { const d = process.cpuUsage(t); process.send!({ cpuMs: (d.user + d.system) / 1000, user: d.user / 1000, sys: d.system / 1000, got }); process.exit(0); }, SECONDS * 1000); });
} else {
  const child = fork(process.argv[1]!, ['recv'], { execArgv: process.execArgv });
  const ports: number[] = await new Promise(r => child.once('message', r as never));
  const tx = createSocket('udp4'); await new Promise<void>(r => tx.bind(0, '127.0.0.1', () => r()));
  const buf = Buffer.alloc(1100);
  child.send('go');
  const perTick = PPS / 200; let i = 0;
  const timer = setInterval(() => { for (let k = 0; k < perTick; k++) tx.send(buf, ports[(i++) % SOCKETS]!, '127.0.0.1'); }, 5);
  const result: any = await new Promise(r => child.once('message', r as never));
  clearInterval(timer); tx.close();
  console.log(`recv ${result.got} pkts, ${(result.cpuMs / SECONDS / 10).toFixed(1)} % of a core, ${(result.cpuMs * 1000 / result.got).toFixed(1)} µs/pkt (user ${(result.user*1000/result.got).toFixed(1)}, sys ${(result.sys*1000/result.got).toFixed(1)})`);
}
