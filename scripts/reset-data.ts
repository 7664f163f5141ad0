/** `npm run reset-data`: resets the running stack's database to the seed data. */
import { resetData } from './lib/reset-data.js';
import { stackSettings } from './lib/stack-settings.js';

const url = process.env.DATABASE_URL ?? stackSettings().databaseUrl;
await resetData(url);
console.log(`data reset to the seed (${url.replace(/\/\/[^@]*@/, '//')})`);
