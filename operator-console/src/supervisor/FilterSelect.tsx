import { useI18n } from '../i18n/index.ts';

export interface Choice {
  value: string;
  label: string;
}

interface FilterSelectProps {
  label: string;
  value: string;
  onChange(value: string): void;
  /** What can be chosen besides すべて (all), which is the empty value. */
  choices: readonly Choice[];
  testId?: string;
}

/** One filter of a list or a chart: a labelled select that starts with すべて. */
export function FilterSelect({ label, value, onChange, choices, testId }: FilterSelectProps) {
  const { t } = useI18n();
  return (
    <label>
      {label}
      <select data-testid={testId} value={value} onChange={(event) => onChange(event.target.value)}>
        <option value="">{t.records.all}</option>
        {choices.map((choice) => (
          <option key={choice.value} value={choice.value}>
            {choice.label}
          </option>
        ))}
      </select>
    </label>
  );
}

/** Departments, sites or staff as choices, by id. */
export const byId = (items: readonly { id: string; name: string }[]): Choice[] => items.map(({ id, name }) => ({ value: id, label: name }));
