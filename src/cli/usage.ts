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
  rollback   Roll a service back to its previous spec
  restart    Restart a service's tasks without changing its spec
  convert    Print the Engine specs a compose file converts to (touches nothing)
  lint       Check compose files and print their problems
  scaffold   Write a new load-balanced project (Node.js app + HAProxy)
  build      Build an image from a folder through the Engine API
  probe      Send requests to a URL and show which hostnames answer

Run 'swarm-stacks COMMAND --help' for more information on a command.

The Docker endpoint is chosen as the Docker CLI chooses it: DOCKER_HOST, then DOCKER_CONTEXT,
then the current context of ~/.docker/config.json, then unix:///var/run/docker.sock.
`;
