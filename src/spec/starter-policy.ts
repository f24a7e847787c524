// The policy `contractor policy init` writes: every key, commented, set to what applies without one.

/** The trusted policy a new user starts from; values are the defaults, so writing it changes nothing. */
export const STARTER_POLICY = `# Contractor's trusted policy: the ceilings every build on this machine gets.
# A repository's .contractor.yaml can only narrow these, never widen them.
# Check it with \`contractor policy check\`; see what applies with \`contractor policy show\`.

network:
  # Hosts a spec may list in its own network.allow (host, host:port, *.suffix, an IP).
  # Find what a build needs with \`git contractor run --audit\`, then \`contractor policy suggest\`.
  allow: []
  # Whether the build phase may use the network too; by default only setup may.
  build: false

# The most any build may use; a spec's limits may ask for less.
limits:
  wall: 30m
  cpu: 60m
  memory: 4GiB
  processes: 1024
  disk: 4GiB
  log: 50MiB
  bandwidth: 50MiB/s

# The least isolation any build gets: namespace < gvisor < vm.
driver: namespace

# Worker images a spec's worker-image may name.
images: [worker]

# Workspaces a spec may keep in the work tree (relative to the repository), e.g. node_modules.
workspaces: []

# Whether a spec may ask for containers: true (a filtered Docker API in a vm worker); false forbids it.
# containers: false
# Registries (host or host:port) such builds may pull from over plain HTTP, without TLS;
# each must be in network.allow too, since the job's proxy carries every pull.
# insecure-registries: []
`;
