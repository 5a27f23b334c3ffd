// Why a monthly cohort gets no forecast (SPEC §9 honest defaults), one place for the words: the forecast
// writes them into the cohort's row note (`no forecast: <why>: <detail>`, forecastFromRead.ts), and the
// places that summarise a forecast without any prediction count the rows by them (report/noForecastReason.ts).
export const NO_FORECAST = 'no forecast: ';

export const WHY_NOT = {
  tooFew: 'too few customers',
  tooYoung: 'too little history',
  realized: 'fully realized',
} as const;
export type WhyNot = keyof typeof WHY_NOT;

/** `why` with its detail, e.g. `too few customers: 3 < 20`. */
export function whyNot(why: WhyNot, detail: string): string {
  return `${WHY_NOT[why]}: ${detail}`;
}

/** Which of the reasons a row note (with or without NO_FORECAST) gives; null for any other. */
export function whyNotOf(note: string | undefined): WhyNot | null {
  const text = note?.startsWith(NO_FORECAST) ? note.slice(NO_FORECAST.length) : note;
  for (const key of Object.keys(WHY_NOT) as WhyNot[]) if (text?.startsWith(`${WHY_NOT[key]}:`)) return key;
  return null;
}
