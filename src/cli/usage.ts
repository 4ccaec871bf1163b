/** Help texts of the `swarm-stacks` command line, one per verb. */
export const programHelp = `Usage: swarm-stacks [--version] [--help] COMMAND [OPTIONS]

Deploy and manage Docker Swarm stacks from compose files, interchangeably with \`docker stack\`.

Commands:
  deploy     Deploy or update a stack from compose files
  rm         Remove a stack
  ls         List stacks
  services   List the services of a stack
  ps         List the tasks of a stack
  update     Update a service's image (rolling update)
  scale      Scale services
  rollback   Roll a service back to its previous spec, or a whole stack to a revision (--to N)
  history    List a stack's revisions (every deploy made by swarm-stacks)
  diff       Show what a deploy of compose files would change in a running stack
  restart    Restart a service's tasks without changing its spec
  convert    Print the Engine specs a compose file converts to (touches nothing)
  lint       Check compose files and print their problems
  scaffold   Write a new load-balanced project (Node.js app + HAProxy)
  build      Build an image from a folder through the Engine API
  push       Push an image to its registry with the Docker CLI's credentials
  probe      Send requests to a URL and show which hostnames answer
  node       List the swarm's nodes; drain, pause, activate, promote, demote, label them

Run 'swarm-stacks COMMAND --help' for more information on a command.

The Docker endpoint is chosen as the Docker CLI chooses it: DOCKER_HOST, then DOCKER_CONTEXT,
then the current context of ~/.docker/config.json, then unix:///var/run/docker.sock.
`;

const common = `
Common options:
  -H, --host URL        Docker endpoint (default: as the Docker CLI chooses it)
      --timeout SECONDS  Timeout of one Engine API request (default 30)
  -h, --help            Show this help
`;

/** Help of each verb. */
export const verbHelp: Record<string, string> = {
    node: `Usage: swarm-stacks node ls [-q]
       swarm-stacks node drain|pause|activate [--dry-run] NODE
       swarm-stacks node promote|demote NODE
       swarm-stacks node label-add NODE KEY=VALUE [KEY=VALUE...]
       swarm-stacks node label-rm NODE KEY [KEY...]

Manage the nodes of the swarm (NODE: ID or hostname), as \`docker node\` does. drain, pause and
activate first print what they do to the services (on stderr): the tasks that move, the services
that drop below their desired replicas (placement constraints, max_replicas_per_node, global mode),
the single-replica services that go down. demote refuses the last manager.

Options:
      --dry-run   drain/pause/activate: print the impact and change nothing
  -q, --quiet     ls: only IDs
${common}`,
    deploy: `Usage: swarm-stacks deploy -c FILE [-c FILE...] [OPTIONS] STACK

Deploy a new stack or update an existing one, exactly as \`docker stack deploy\` does: same names,
labels and specs, so the Docker CLI and swarm-stacks manage each other's stacks. Unlike the CLI it
validates everything before touching the engine, leaves unchanged services alone, and reads a .env
file beside the first compose file for variables (the environment wins).

Options:
  -c, --compose-file FILE   Compose file (repeat or comma-separate to merge several)
      --prune               Remove services that are no longer in the compose file
      --resolve-image MODE  always | changed | never: ask the registry for image digests (default always)
      --dry-run             Print the plan (create / update with changes / unchanged / prune) and stop
      --wait                Wait until the touched services have converged
      --wait-timeout SECS   Bound of --wait (default 600)
      --no-dotenv           Do not read .env (strict parity with docker stack deploy)
      --with-registry-auth  Send the registry credentials (~/.docker/config.json) to the engine, with
                            the digest lookup and with each service, so that every node can pull from a
                            private registry; a refused login stops the deploy before anything is
                            applied. Without it no credentials are read or sent (as docker stack deploy)
      --rotate-configs      When a configs:/secrets: file changed, create <name>-<hash8>, point the
                            services at it, wait for them, then remove the old versions nobody uses
                            (also turned on by "x-swarm-stacks: { rotate-configs: true }" in the file).
                            A secret's <hash8> and label are a keyed fingerprint, its key kept in
                            ~/.config/swarm-stacks/secret-fingerprint.key (SWARM_STACKS_CONFIG_DIR):
                            a machine without that key cannot tell whether a secret deployed from
                            elsewhere changed, and deploys it again as a new version
      --history-limit N     Revisions of the stack kept in the swarm (default 10; see history)
${common}`,
    rm: `Usage: swarm-stacks rm [--wait] STACK [STACK...]

Remove stacks: services, then secrets and configs, then networks (volumes are kept).

Options:
      --wait                Return only when the stack's tasks and networks are gone
      --wait-timeout SECS   Bound of --wait (default 600)
${common}`,
    ls: `Usage: swarm-stacks ls

List stacks (NAME, SERVICES).
${common}`,
    services: `Usage: swarm-stacks services [-q] STACK

List the services of a stack (ID, NAME, MODE, REPLICAS, IMAGE, PORTS).

Options:
  -q, --quiet   Only IDs
${common}`,
    ps: `Usage: swarm-stacks ps [-q] STACK

List the tasks of a stack (ID, NAME, IMAGE, NODE, DESIRED STATE, CURRENT STATE, ERROR, PORTS).

Options:
  -q, --quiet   Only IDs
${common}`,
    update: `Usage: swarm-stacks update --image IMAGE [--verify URL] [-d] SERVICE

Roll a service to a new image, honouring its update_config, and wait until it has converged.
With --verify, URL (http:// through the stack's proxy) is requested all through the update: the
requests answered and failed and the old → new shift of versions and hostnames are reported, and
the exit status is 1 when any request failed or the update did not converge.

Options:
      --image IMAGE         The new image
      --verify URL          Probe URL during the rolling update (cannot go with --detach)
      --verify-interval MS  Time between probe requests (default 100)
      --with-registry-auth  Send the registry credentials of IMAGE with the update
  -d, --detach              Do not wait
      --wait-timeout SECS   Bound of the wait (default 600)
${common}`,
    scale: `Usage: swarm-stacks scale [-d] SERVICE=REPLICAS [SERVICE=REPLICAS...]

Scale replicated services and wait until they have converged.

Options:
  -d, --detach              Do not wait
      --wait-timeout SECS   Bound of the wait (default 600)
${common}`,
    rollback: `Usage: swarm-stacks rollback [-d] SERVICE
       swarm-stacks rollback --to N [--dry-run] [-d] STACK

Return a service to its previous spec and wait until it has converged.

With --to N, return the whole stack to revision N of its history (see swarm-stacks history): print
the plan (create / update with the changes / remove), then give every service the spec revision N
recorded (its image by digest included) and remove the services it did not have. The rollback is
recorded as a new revision. A revision that is damaged (its checksum does not match), malformed or
names another stack's objects is refused, and nothing is changed. The checksum does not say who wrote
a revision: anyone who may create configs in the swarm can write one that passes. So the plan shows
the image, mounts and networks of every service the rollback creates or updates: read it (--dry-run).

Options:
      --to N                Roll the stack back to revision N
      --dry-run             With --to: print the plan and stop
      --history-limit N     With --to: revisions kept (default 10)
  -d, --detach              Do not wait
      --wait-timeout SECS   Bound of the wait (default 600)
${common}`,
    history: `Usage: swarm-stacks history [-r N] STACK

List the revisions of a stack, oldest first: every deploy and rollback made by swarm-stacks, with its
time, who made it (user@host), the swarm-stacks version, the compose files' content hash and what it
was. The history is kept in the swarm itself (config objects of the stack, removed with the stack by
swarm-stacks rm and docker stack rm), so every machine sees the same. Changes made outside swarm-stacks
(docker stack deploy, docker service update) show as "deployed outside Swarm Stacks" in their place.
Objects that claim to be revisions but are damaged (their checksum does not match), malformed or name
another stack's objects show as REFUSED, with the reason. The checksum finds damage, not authorship:
anyone who may create configs in the swarm can write a revision that is listed as any other, so check
what rollback --to N --dry-run shows before rolling back.

Options:
  -r, --revision N   Print what revision N changed from the one before, as the deploy plan does
${common}`,
    diff: `Usage: swarm-stacks diff -c FILE [-c FILE...] [OPTIONS] STACK

Print what deploying the compose files would change in the running stack, as the deploy plan (create /
update with each spec change / remove with --prune); unchanged objects are not printed. Touches nothing.

Exit status, as kubectl diff: 0 when nothing would change, 1 when something would, 2 when the diff
itself failed (compose file errors, a deploy that would be refused, an unreachable engine).

Options:
  -c, --compose-file FILE   Compose file (repeat or comma-separate to merge several)
      --prune               Also show the services a deploy --prune would remove
      --resolve-image MODE  always | changed | never, as deploy (default always)
      --no-dotenv           Do not read .env
      --with-registry-auth  Send the registry credentials with the digest lookup, as deploy does with it
      --rotate-configs      Plan config and secret rotation, as deploy does with it
Give the options the deploy was (or will be) given: the plan is the deploy's own.
${common}`,
    restart: `Usage: swarm-stacks restart [-d] SERVICE

Replace a service's tasks without changing its spec (docker service update --force).

Options:
  -d, --detach              Do not wait
      --wait-timeout SECS   Bound of the wait (default 600)
${common}`,
    convert: `Usage: swarm-stacks convert -c FILE [-c FILE...] STACK

Print, as JSON, the networks, secrets, configs and service specs the compose files convert to.
A secret shows its file (or driver), never its content. Touches nothing.
${common}`,
    lint: `Usage: swarm-stacks lint -c FILE [-c FILE...]

Check compose files and print each problem as file:line:col: severity: message.
Exit status 1 when there is any error.
${common}`,
    scaffold: `Usage: swarm-stacks scaffold [OPTIONS] DIR

Write a new load-balanced project into DIR: a Node.js app answering <h1>I'm HOSTNAME</h1>, its
Dockerfile and .dockerignore, docker-compose.yaml (the app's replicas behind HAProxy), haproxy.cfg
and a README. Files that already exist with the same content are left alone; files with other
content are listed and nothing is written, unless --force.

Options:
      --variant V          haproxy-dns (official HAProxy, DNS discovery; default) or blog-faithful
                           (the blog's archived dockercloud/haproxy, for reference)
      --name N             App (compose service) name (default: from the folder name)
      --replicas R         Replicas of the app (default 5)
      --port P             Port HAProxy publishes on the node (default 80)
      --app-port P         Port the app listens on in its container (default 8080)
      --stats-port P       Port of HAProxy's stats page (default 8404)
      --image I            The app image (default NAME:latest)
      --registry R         Registry of the app image: it becomes R/NAME:latest (R: a host such as
                           127.0.0.1:5000 or registry.example.com, optionally with a path)
      --base-image I       FROM of the Dockerfile (default node:20-alpine)
      --haproxy-image I    The proxy image (default haproxy:2.6)
      --stack S            Resolve tasks.S_NAME in haproxy.cfg (default: tasks.NAME, any stack name)
      --force              Overwrite files that have other content
  -h, --help               Show this help
`,
    build: `Usage: swarm-stacks build [-t TAG...] [-f DOCKERFILE] [--build-arg K=V...] DIR

Build an image from DIR through the Engine API (classic builder). The context honours DIR's
.dockerignore as docker build does; the Dockerfile and .dockerignore are always sent. The build's
output goes to stdout, the current step to stderr when it is a terminal. Exit status 1 with the
failing step and its last lines when a step fails.

Options:
  -t, --tag TAG            Name and tag (repeat for several; default: the app image of a compose
                           file in DIR, else FOLDER:latest)
  -f, --file FILE          The Dockerfile (default DIR/Dockerfile)
      --build-arg K=V      Build-time variable (repeat for several)
  -q, --quiet              Print only the image ID
${common}`,
    push: `Usage: swarm-stacks push [-q] IMAGE

Push IMAGE (registry/name[:tag], :latest when untagged) from the engine to its registry, as docker push
does. The credentials are those the Docker CLI would use: DOCKER_CONFIG or ~/.docker/config.json, its
auths, credsStore and credHelpers (docker-credential-<helper> get). Progress goes to stderr; stdout gets
IMAGE@DIGEST when the push is done. A refused login or an unreachable registry is one sentence naming the
registry and how to log in. A registry that stops answering half-way is given up after --stall-timeout,
saying which layers got there; the tag is pushed last, so the registry never has half an image under it.

Options:
  -q, --quiet              No progress, only IMAGE@DIGEST
      --stall-timeout SECS Give up when the engine has been retrying for this long without progress
                           (default 20)
${common}`,
    probe: `Usage: swarm-stacks probe [-n N] [-c C] [--during SECONDS] URL

Send GET requests to URL (http only; a bare port means http://127.0.0.1:PORT/) and show which
hostnames answered (<h1>I'm HOSTNAME</h1>): a table, a bar chart, failures and latency
percentiles. With --during it keeps probing for SECONDS (run it while a rolling update goes on)
and also shows how answers moved from v1 to v2 (a "!!!" after the hostname means v2).

Options:
  -n, --requests N         Number of requests (default 40; with --during: bound of the requests)
  -c, --concurrency C      Requests in flight at once (default 1)
      --during SECONDS     Probe continuously for at most SECONDS
      --interval MS        Time between requests with --during (default 100)
      --request-timeout MS Timeout of one request (default 2000)
  -h, --help               Show this help
`,
};
