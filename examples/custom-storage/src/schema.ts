/** The tables the storage keeps; created when it opens the database. */
export const SCHEMA = `
  create table if not exists upload (
    key text primary key,
    total_size integer not null,
    location text unique
  );
  create table if not exists block (
    key text not null references upload (key) on delete cascade,
    idx integer not null,
    bytes blob not null,
    primary key (key, idx)
  );
`;
