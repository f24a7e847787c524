// Where a repository keeps its spec: the one name every reader of a commit's spec looks for.
export const SPEC_FILE = '.contractor.yaml';
