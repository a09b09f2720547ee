/** The required free-text reason that voids and conflict resolutions carry (at most 200 characters, as the op schemas). */
export function ReasonField(props: { id: string; value: string; onChange: (value: string) => void }) {
  return (
    <div className="field">
      <label htmlFor={props.id}>Reason</label>
      <input
        id={props.id}
        value={props.value}
        onChange={(e) => props.onChange(e.target.value)}
        required
        maxLength={200}
        autoComplete="off"
      />
    </div>
  );
}
