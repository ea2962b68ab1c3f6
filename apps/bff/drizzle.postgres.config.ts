import { defineConfig } from 'drizzle-kit';

/** The PostgreSQL adapter's schema and migrations (`pnpm db:generate` writes both dialects'). */
export default defineConfig({
  dialect: 'postgresql',
  schema: './src/store/postgres/schema.ts',
  out: './src/store/postgres/migrations',
});
