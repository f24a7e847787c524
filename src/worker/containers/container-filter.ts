// The Docker-compatible socket a build's `docker` CLI talks to: each call parsed, rebuilt, then carried.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { chmodSync, rmSync } from 'node:fs';
import type { Duplex } from 'node:stream';
import type { PhaseName, Violation } from '../../net/violation.js';
import { allowedQuery, parseApiRoute, type ApiRoute } from './api-route.js';
import { BuildOutput } from './build-output.js';
import { rebuildContainerCreate } from './container-create.js';
import { ContainerRefusal } from './container-refusal.js';
import { engineCall } from './engine-client.js';
import { networkMode, publishOnLoopback, type CreateContext } from './host-config.js';
import { isIdReference, JobObjects, type ObjectKind } from './job-objects.js';
import { isObject, type JsonObject } from './json-value.js';
import { rebuildExecCreate, rebuildExecStart } from './exec-create.js';
import { rebuildNetworkCreate, rebuildVolumeCreate } from './object-create.js';
import { parseJson, readUpgradeBody } from './upgrade-body.js';
import { listAnswer, ownedEntries } from './owned-listing.js';
import { forward, forwardHijack } from './stream-forward.js';
import { UnownedReference } from './unowned-reference.js';

export interface ContainerFilterOptions {
  /** The engine's own socket (Podman's Docker-compatible service); the build never sees it. */
  engineSocket: string;
  /** The build's workspace as the engine sees it: the one tree a container may bind. */
  workspace: string;
  /** What `default` and `bridge` networks become; the operator's choice. Default `none`. */
  defaultNetworkMode?: string;
  phase: () => PhaseName;
  onViolation: (v: Violation) => void;
  /** The largest JSON body read (create requests); a build context streams and is not held. */
  maxJsonBytes?: number;
  /** What the job owns: an earlier phase's, read back (filter-main), or none yet. */
  objects?: JobObjects;
}

const MAX_JSON_BYTES = 1024 * 1024;

/** Where each kind is inspected on the engine, to tell a foreign object from a missing one. */
const INSPECT: Record<ObjectKind, (ref: string) => string> = {
  container: (r) => `/containers/${encodeURIComponent(r)}/json`,
  image: (r) => `/images/${encodeURIComponent(r)}/json`,
  network: (r) => `/networks/${encodeURIComponent(r)}`,
  volume: (r) => `/volumes/${encodeURIComponent(r)}`,
  exec: (r) => `/exec/${encodeURIComponent(r)}/json`,
};

export class ContainerFilter {
  readonly objects: JobObjects;
  private readonly server: Server;
  private readonly o: Required<Omit<ContainerFilterOptions, 'objects'>>;

  constructor(options: ContainerFilterOptions) {
    const { objects, ...rest } = options;
    this.objects = objects ?? new JobObjects();
    this.o = { defaultNetworkMode: 'none', maxJsonBytes: MAX_JSON_BYTES, ...rest };
    // A failure no answer could be made for closes that one connection, never the filter.
    this.server = createServer((req, res) => void this.serve(req, res).catch(() => res.destroy()));
    this.server.on(
      'upgrade',
      (req, socket, head) =>
        void this.serveUpgrade(req, socket, head).catch(() => socket.destroy()),
    );
  }

  /** Listens on a unix socket the build can reach (DOCKER_HOST=unix://PATH). */
  listen(socketPath: string): Promise<void> {
    rmSync(socketPath, { force: true });
    return new Promise((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(socketPath, () => {
        chmodSync(socketPath, 0o666);
        resolve();
      });
    });
  }

  close(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }

  private async serve(req: IncomingMessage, res: ServerResponse): Promise<void> {
    try {
      const route = parseApiRoute(req.method ?? '', req.url ?? '/');
      await this.dispatch(route, req, res);
    } catch (err) {
      const answer = await this.refusalAnswer(err);
      req.resume();
      if (res.headersSent) return void res.destroy();
      res.writeHead(answer.status, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify({ message: answer.message }));
    }
  }

  private async serveUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): Promise<void> {
    try {
      const route = parseApiRoute(req.method ?? '', req.url ?? '/');
      if (route.op === 'container.attach') {
        const path = this.path(route, `/containers/${this.own(route)}/attach`);
        return forwardHijack(req, socket, head, this.o.engineSocket, path);
      }
      if (route.op !== 'exec.start')
        throw new ContainerRefusal(
          `${req.method} ${req.url}`,
          'only attach and exec start may upgrade a connection',
        );
      const path = this.path(route, `/exec/${this.own(route)}/start`);
      const { body, rest } = await readUpgradeBody(req, socket, head, this.o.maxJsonBytes);
      const start = rebuildExecStart(parseJson(body));
      forwardHijack(req, socket, rest, this.o.engineSocket, path, start);
    } catch (err) {
      const answer = await this.refusalAnswer(err);
      const body = JSON.stringify({ message: answer.message });
      socket.end(
        `HTTP/1.1 ${answer.status} Refused\r\nContent-Type: application/json\r\n` +
          `Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
      );
    }
  }

  /** What goes back for a failed call; a refusal of something that exists is a violation. */
  private async refusalAnswer(err: unknown): Promise<{ status: number; message: string }> {
    if (err instanceof UnownedReference) {
      // The engine being gone must not take the filter with it: the call fails, the next is served.
      const exists = await this.exists(err.kind, err.ref).catch((e: unknown) => e as Error);
      if (exists instanceof Error) return { status: 500, message: `contractor: ${exists.message}` };
      if (!exists) return { status: 404, message: `No such ${err.kind}: ${err.ref}` };
    }
    if (err instanceof ContainerRefusal) {
      this.o.onViolation({ kind: 'container', phase: this.o.phase(), detail: err.message });
      return { status: err.status, message: err.message };
    }
    return { status: 500, message: `contractor: ${(err as Error).message}` };
  }

  private async exists(kind: ObjectKind, ref: string): Promise<boolean> {
    return (await engineCall(this.o.engineSocket, 'GET', INSPECT[kind](ref))).status !== 404;
  }

  /** The path sent upstream: the client's API version, our path, the allowed query only. */
  private path(route: ApiRoute, path: string, query = allowedQuery(route)): string {
    const q = query.toString();
    return `${route.version}${path}${q ? `?${q}` : ''}`;
  }

  /** The full id (or owned name) of the object a call names; throws when it is not the job's. */
  private own(route: ApiRoute): string {
    const kind = route.kind!;
    const ref = route.ref!;
    const own = this.objects.resolve(kind, ref);
    if (own === undefined) throw new UnownedReference(kind, ref);
    return encodeURIComponent(own);
  }

  private async dispatch(
    route: ApiRoute,
    req: IncomingMessage,
    res: ServerResponse,
  ): Promise<void> {
    const send = (path: string, query?: URLSearchParams) =>
      forward(req, res, { socketPath: this.o.engineSocket, path: this.path(route, path, query) });
    switch (route.op) {
      case 'ping':
        // Podman leaves out OSType, without which the CLI cannot check --device and --volume syntax.
        return forward(req, res, {
          socketPath: this.o.engineSocket,
          path: this.path(route, '/_ping'),
          defaultHeaders: { ostype: 'linux' },
        });
      case 'version':
        return send('/version');
      case 'info':
        return send('/info');
      case 'build':
        return this.build(route, req, res);
      case 'image.pull':
        return this.pull(route, req, res);
      case 'image.inspect':
        return this.imageInspect(route, req, res);
      case 'image.tag':
        return this.imageTag(route, req, res);
      case 'image.remove':
        return send(`/images/${this.own(route)}`);
      case 'container.create':
        return this.createContainer(route, req, res);
      case 'container.inspect':
        return send(`/containers/${this.own(route)}/json`);
      case 'container.start':
      case 'container.wait':
      case 'container.stop':
      case 'container.kill':
      case 'container.resize':
        return send(`/containers/${this.own(route)}/${route.op.split('.')[1]}`);
      case 'container.attach':
        return send(`/containers/${this.own(route)}/attach`);
      case 'container.logs':
        return send(`/containers/${this.own(route)}/logs`);
      case 'container.remove':
        return send(`/containers/${this.own(route)}`);
      case 'container.exec':
        return this.createExec(route, req, res);
      case 'exec.start':
        return this.startExec(route, req, res);
      case 'exec.inspect':
        return send(`/exec/${this.own(route)}/json`);
      case 'exec.resize':
        return send(`/exec/${this.own(route)}/resize`);
      case 'network.create':
        return this.createObject(route, req, res, 'network', rebuildNetworkCreate);
      case 'volume.create':
        return this.createObject(route, req, res, 'volume', rebuildVolumeCreate);
      case 'network.inspect':
      case 'network.remove':
        return send(`/networks/${this.own(route)}`);
      case 'network.connect':
      case 'network.disconnect':
        return this.networkAttach(route, req, res);
      case 'volume.inspect':
      case 'volume.remove':
        return send(`/volumes/${this.own(route)}`);
      case 'image.list':
        return this.list(route, res, 'image', '/images/json');
      case 'container.list':
        return this.list(route, res, 'container', '/containers/json');
      case 'network.list':
        return this.list(route, res, 'network', '/networks');
      case 'volume.list':
        return this.list(route, res, 'volume', '/volumes');
    }
  }

  private async readJson(req: IncomingMessage): Promise<unknown> {
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of req as AsyncIterable<Buffer>) {
      size += chunk.length;
      if (size > this.o.maxJsonBytes)
        throw new ContainerRefusal('body', `is over ${this.o.maxJsonBytes} bytes`, 400);
      chunks.push(chunk);
    }
    return parseJson(Buffer.concat(chunks));
  }

  /** An exec in one of the job's containers; the exec's id is the job's too. */
  private async createExec(
    route: ApiRoute,
    req: IncomingMessage,
    res: ServerResponse,
  ): Promise<void> {
    const container = this.own(route);
    const body = rebuildExecCreate(await this.readJson(req));
    const path = this.path(route, `/containers/${container}/exec`);
    const answer = await engineCall(this.o.engineSocket, 'POST', path, body);
    if (answer.status === 201) {
      const id = (JSON.parse(answer.body.toString()) as JsonObject).Id;
      if (typeof id === 'string') this.objects.add('exec', id);
    }
    this.answer(res, answer.status, answer.body);
  }

  /** A detached exec start (an attached one upgrades the connection, see serveUpgrade). */
  private async startExec(
    route: ApiRoute,
    req: IncomingMessage,
    res: ServerResponse,
  ): Promise<void> {
    const id = this.own(route);
    const body = rebuildExecStart(await this.readJson(req));
    const answer = await engineCall(
      this.o.engineSocket,
      'POST',
      this.path(route, `/exec/${id}/start`),
      body,
    );
    res.writeHead(answer.status, { 'Content-Type': 'application/vnd.docker.raw-stream' });
    res.end(answer.body);
  }

  private answer(res: ServerResponse, status: number, body: unknown): void {
    res.writeHead(status, { 'Content-Type': 'application/json' });
    res.end(typeof body === 'string' || Buffer.isBuffer(body) ? body : JSON.stringify(body));
  }

  /** A build streams its context to the engine; the images it makes, by tag and by id, are the job's. */
  private build(route: ApiRoute, req: IncomingMessage, res: ServerResponse): void {
    const query = allowedQuery(route);
    const mode = query.get('networkmode');
    if (mode !== null) {
      const ctx = this.createContext();
      query.set('networkmode', networkMode(mode, ctx));
    }
    const tags = query.getAll('t');
    const output = new BuildOutput();
    forward(req, res, {
      socketPath: this.o.engineSocket,
      path: this.path(route, '/build', query),
      streamBody: true,
      onChunk: (c) => output.push(c),
      onEnd: () => {
        output.end();
        for (const id of output.ids) this.objects.add('image', id);
        for (const tag of tags) this.objects.add('image', undefined, tag);
      },
    });
  }

  /** Pulls reach registries through the engine's proxy settings; the pulled name is the job's. */
  private pull(route: ApiRoute, req: IncomingMessage, res: ServerResponse): void {
    const query = allowedQuery(route);
    const from = query.get('fromImage');
    if (!from)
      throw new ContainerRefusal('fromImage', 'only pulls by name are passed (no import)', 400);
    const tag = query.get('tag');
    const name = tag && !from.includes('@') ? `${from}:${tag}` : from;
    if (isIdReference(from)) throw new UnownedReference('image', from);
    forward(req, res, {
      socketPath: this.o.engineSocket,
      path: this.path(route, '/images/create', query),
      onEnd: (status) => status < 300 && this.objects.add('image', undefined, name),
    });
  }

  /** By id only the job's images; by name any (a name is what `FROM` and `run` look up). */
  private async imageInspect(
    route: ApiRoute,
    req: IncomingMessage,
    res: ServerResponse,
  ): Promise<void> {
    const ref = route.ref!;
    const target = isIdReference(ref) ? this.own(route) : encodeURIComponent(ref);
    req.resume();
    const answer = await engineCall(
      this.o.engineSocket,
      'GET',
      this.path(route, `/images/${target}/json`),
    );
    if (answer.status === 200 && this.objects.ownsName('image', ref)) {
      const id = (JSON.parse(answer.body.toString()) as JsonObject).Id;
      if (typeof id === 'string') this.objects.add('image', id, ref);
    }
    this.answer(res, answer.status, answer.body);
  }

  private imageTag(route: ApiRoute, req: IncomingMessage, res: ServerResponse): void {
    const query = allowedQuery(route);
    const repo = query.get('repo') ?? '';
    const tag = query.get('tag');
    forward(req, res, {
      socketPath: this.o.engineSocket,
      path: this.path(route, `/images/${this.own(route)}/tag`, query),
      onEnd: (status) =>
        status < 300 && this.objects.add('image', undefined, tag ? `${repo}:${tag}` : repo),
    });
  }

  private createContext(): CreateContext {
    return {
      workspace: this.o.workspace,
      objects: this.objects,
      defaultNetworkMode: this.o.defaultNetworkMode,
      newVolumes: new Set(),
    };
  }

  private async createContainer(
    route: ApiRoute,
    req: IncomingMessage,
    res: ServerResponse,
  ): Promise<void> {
    const ctx = this.createContext();
    const body = rebuildContainerCreate(await this.readJson(req), ctx);
    if (ctx.publishAll) await this.publishExposedPorts(body);
    // A named volume the job does not own yet must be new: an existing one is someone else's.
    for (const name of ctx.newVolumes)
      if (await this.exists('volume', name))
        throw new UnownedReference('volume', name, `volume ${name}`);
    const name = route.query.get('name') ?? undefined;
    const answer = await engineCall(
      this.o.engineSocket,
      'POST',
      this.path(route, '/containers/create'),
      body,
    );
    if (answer.status === 201) {
      const id = (JSON.parse(answer.body.toString()) as JsonObject).Id;
      if (typeof id === 'string') this.objects.add('container', id, name);
      for (const v of ctx.newVolumes) this.objects.add('volume', undefined, v);
    }
    this.answer(res, answer.status, answer.body);
  }

  /** The ports `-P` publishes: the request's and the image's own EXPOSE, bound on loopback. */
  private async publishExposedPorts(body: JsonObject): Promise<void> {
    const image = await engineCall(
      this.o.engineSocket,
      'GET',
      `/images/${encodeURIComponent(String(body.Image))}/json`,
    );
    const config = image.status === 200 ? (parseJson(image.body) as JsonObject).Config : undefined;
    const ports = new Set([
      ...Object.keys(isObject(body.ExposedPorts) ? body.ExposedPorts : {}),
      ...Object.keys(isObject(config) && isObject(config.ExposedPorts) ? config.ExposedPorts : {}),
    ]);
    publishOnLoopback(body.HostConfig as JsonObject, [...ports]);
  }

  private async createObject(
    route: ApiRoute,
    req: IncomingMessage,
    res: ServerResponse,
    kind: 'network' | 'volume',
    rebuild: (body: unknown) => JsonObject,
  ): Promise<void> {
    const body = rebuild(await this.readJson(req));
    const path = kind === 'network' ? '/networks/create' : '/volumes/create';
    if (kind === 'volume' && body.Name && (await this.exists('volume', String(body.Name))))
      throw new UnownedReference('volume', String(body.Name));
    const answer = await engineCall(this.o.engineSocket, 'POST', this.path(route, path), body);
    if (answer.status < 300) {
      const made = JSON.parse(answer.body.toString()) as JsonObject;
      const id = typeof made.Id === 'string' ? made.Id : undefined;
      const name = typeof made.Name === 'string' ? made.Name : String(body.Name ?? '');
      this.objects.add(kind, id, name);
    }
    this.answer(res, answer.status, answer.body);
  }

  /** Connecting a container to a network: both must be the job's. */
  private async networkAttach(
    route: ApiRoute,
    req: IncomingMessage,
    res: ServerResponse,
  ): Promise<void> {
    const network = this.own(route);
    const body = await this.readJson(req);
    const ref = isObject(body) && typeof body.Container === 'string' ? body.Container : '';
    const container = this.objects.resolve('container', ref);
    if (container === undefined) throw new UnownedReference('container', ref, `Container ${ref}`);
    const verb = route.op === 'network.connect' ? 'connect' : 'disconnect';
    const rebuilt: JsonObject = { Container: container };
    if (isObject(body) && body.Force === true) rebuilt.Force = true;
    const answer = await engineCall(
      this.o.engineSocket,
      'POST',
      this.path(route, `/networks/${network}/${verb}`),
      rebuilt,
    );
    this.answer(res, answer.status, answer.body);
  }

  private async list(
    route: ApiRoute,
    res: ServerResponse,
    kind: ObjectKind,
    path: string,
  ): Promise<void> {
    const answer = await engineCall(this.o.engineSocket, 'GET', this.path(route, path));
    if (answer.status !== 200) return this.answer(res, answer.status, answer.body);
    const entries = ownedEntries(kind, JSON.parse(answer.body.toString()), this.objects);
    this.answer(res, 200, listAnswer(kind, entries));
  }
}
