/** GET /faults and POST /faults: the fault switches' page, and its forms that write the flag file. */
import type { FastifyInstance } from 'fastify';
import {
  applyPreset,
  currentFaults,
  endMysteryRound,
  isOff,
  mysteryReveal,
  mysteryRound,
  openMysteryRound,
  parseFaultValue,
  PRESETS,
  readFlagFile,
  SCENARIOS,
  scopedInstances,
  writeFaults,
} from '@paytrace/faults';
import { badRequest, mysteryRoundOpen, noFlagFile } from '../errors.js';
import { renderFaultsPage, type FaultRow } from '../views/faults-page.js';

interface FaultForm {
  action?: 'set' | 'off' | 'all-off' | 'preset';
  flag?: string;
  value?: string;
  preset?: string;
}

export function faultRoutes(app: FastifyInstance, opts: { flagFile: string | undefined }): void {
  const { flagFile } = opts;

  app.get('/faults', async (_request, reply) => {
    const values = flagFile ? currentFaults(flagFile) : new Map();
    const flags = flagFile ? readFlagFile(flagFile).flags : {};
    const round = flagFile ? mysteryRound(flagFile) : undefined;
    // While a round is open the page is rendered without the values at all, not with them hidden.
    const hidden = round !== undefined && !round.over;
    const rows = SCENARIOS.map((scenario): FaultRow => {
      const flag = flags[scenario.flag];
      // A fault scoped to some instances (`npm run fault -- … --instance balance-2`) is off by
      // default and on by its targeting rule: the page shows the value those instances get.
      const instances = !hidden && flag?.state === 'ENABLED' ? scopedInstances(flag) : undefined;
      if (instances && flag) return { scenario, value: flag.variants.on!, on: true, instances };
      const value = hidden ? false : (values.get(scenario.flag) ?? (scenario.type === 'boolean' ? false : 0));
      return { scenario, value, on: !isOff(value) };
    });
    const mystery = { round, reveal: round?.over ? mysteryReveal(round) : undefined };
    return reply.type('text/html; charset=utf-8').send(renderFaultsPage({ flagFile, rows, presets: Object.keys(PRESETS), mystery }));
  });

  // Plain HTML forms, so switching needs no script: apply, then back to the page (303, post/redirect/get).
  app.post<{ Body: FaultForm }>(
    '/faults',
    {
      schema: {
        body: {
          type: 'object',
          properties: {
            action: { type: 'string', enum: ['set', 'off', 'all-off', 'preset'] },
            flag: { type: 'string', maxLength: 100 },
            value: { type: 'string', maxLength: 40 },
            preset: { type: 'string', maxLength: 100 },
          },
        },
      },
    },
    async (request, reply) => {
      if (!flagFile) throw noFlagFile();
      const { action = 'set', flag, value, preset } = request.body;
      // A switch flipped mid-round would change the fault under the learner's feet; every fault off ends the round.
      if (action !== 'all-off' && openMysteryRound(flagFile)) throw mysteryRoundOpen();
      try {
        if (action === 'all-off') endMysteryRound(flagFile);
        else if (action === 'preset') applyPreset(flagFile, preset ?? '');
        else if (!flag) throw new Error('which fault? the form has no flag');
        else writeFaults(flagFile, { [flag]: parseFaultValue(flag, action === 'off' ? 'off' : (value ?? '').trim()) });
      } catch (err) {
        throw badRequest((err as Error).message);
      }
      return reply.redirect('/faults', 303);
    },
  );
}
