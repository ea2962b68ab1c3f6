import { isApiError } from '@onbehalf/api-client/api-error';
import { products } from '@onbehalf/contracts/commerce';
import { type FormEvent, useId, useState } from 'react';
import { formatMoney } from '../../../lib/format.ts';
import { usePlaceOrder } from '../api/place-order.ts';

export function PlaceOrderForm() {
  const productId = useId();
  const quantityId = useId();
  const [sku, setSku] = useState<string>(products[0].sku);
  const [quantity, setQuantity] = useState('1');
  const [placed, setPlaced] = useState<string | null>(null);
  const placeOrder = usePlaceOrder();

  function handleSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    setPlaced(null);
    placeOrder.mutate(
      { sku, quantity: Number(quantity) },
      {
        onSuccess: (order) => {
          setPlaced(`Order ${order.number} placed.`);
          setQuantity('1');
        },
      },
    );
  }

  const issues = isApiError(placeOrder.error) ? placeOrder.error.issues : [];

  return (
    <form className="form form--inline" onSubmit={handleSubmit}>
      <div className="field field--grow">
        <label htmlFor={productId}>Product</label>
        <select id={productId} value={sku} onChange={(event) => setSku(event.target.value)}>
          {products.map((product) => (
            <option key={product.sku} value={product.sku}>
              {product.name} — {formatMoney(product.unitPriceCents)}
            </option>
          ))}
        </select>
      </div>
      <div className="field field--quantity">
        <label htmlFor={quantityId}>Quantity</label>
        <input
          id={quantityId}
          type="number"
          inputMode="numeric"
          min={1}
          max={1000}
          step={1}
          required
          value={quantity}
          onChange={(event) => setQuantity(event.target.value)}
        />
      </div>
      <button type="submit" className="button button--primary" disabled={placeOrder.isPending}>
        Place order
      </button>
      <div className="form__feedback">
        <p role="status" className="form-status">
          {placed}
        </p>
        {placeOrder.isError ? (
          <div role="alert" className="alert alert--error">
            {placeOrder.error.message}
            {issues.length > 0 ? (
              <ul>
                {issues.map((issue) => (
                  <li key={`${issue.path}:${issue.message}`}>{issue.message}</li>
                ))}
              </ul>
            ) : null}
          </div>
        ) : null}
      </div>
    </form>
  );
}
