import { useId } from 'react';
import type { DeviceChoice } from '../call/media';

/** A camera or microphone choice: the call's "Device settings" and the pre-join panel. */
export function DeviceSelect({
  label,
  none,
  choices,
  value,
  onChange,
}: {
  label: string;
  /** Shown (disabled) when there is nothing to choose. */
  none: string;
  choices: DeviceChoice[];
  value: string | null;
  onChange(id: string): void;
}) {
  const id = useId();
  const known = choices.some((c) => c.id === value);
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      <select
        id={id}
        className="select"
        value={known ? (value ?? '') : (choices[0]?.id ?? '')}
        disabled={choices.length === 0}
        onChange={(event) => onChange(event.target.value)}
      >
        {choices.length === 0 && <option value="">{none}</option>}
        {choices.map((choice) => (
          <option key={choice.id} value={choice.id}>
            {choice.label}
          </option>
        ))}
      </select>
    </div>
  );
}
